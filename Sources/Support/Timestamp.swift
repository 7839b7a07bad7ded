import Foundation

/// The services' timestamps: ISO 8601, with or without fractional seconds (`2023-04-11T10:05:00.000Z`), as the dev
/// tools and Craft.io write them.
public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: true)

    public static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: withFraction)) ?? (try? Date(text, strategy: .iso8601))
    }

    /// `2023-04-11T10:05:00.123Z`: UTC with milliseconds, as Linear and Azure DevOps write their times.
    public static func withMilliseconds(_ date: Date) -> String { date.formatted(withFraction) }

    /// The later of two times, either of which may be unknown.
    public static func later(_ a: Date?, _ b: Date?) -> Date? {
        switch (a, b) {
        case (let a?, let b?): max(a, b)
        case (let a, let b): a ?? b
        }
    }
}
