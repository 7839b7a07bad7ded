/// Which synced fields a Craft.io edit made after the create is pushed to the issue for (`drift.policy`); the rest
/// are reported as drift, as before. Type and priority are pushed where they ride as labels (GitHub).
public struct DriftPolicy: Sendable, Equatable {
    public enum Field: String, Sendable, CaseIterable, Comparable {
        case title, description, type, priority, labels

        public static func < (lhs: Field, rhs: Field) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var pushed: Set<Field>

    public init(pushed: Set<Field> = []) { self.pushed = pushed }

    /// Report every edit; push none (the default).
    public static let report = DriftPolicy()
    public static let pushAll = DriftPolicy(pushed: Set(Field.allCases))
}
