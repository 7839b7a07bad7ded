import Foundation

/// The services' timestamps: ISO 8601, with or without fractional seconds (`2023-04-11T10:05:00.000Z`), as the dev
/// tools and Craft.io write them.
public enum Timestamp {
    public static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
    }
}
