/// A check of a tool's own setup that `doctor` runs besides the common ones (a GitHub token's access to the
/// organization's project boards), with the fix when it fails.
public struct DevToolCheck: Sendable, Equatable {
    /// What is checked, for people (`project boards`).
    public var subject: String
    public var passed: Bool
    public var detail: String
    public var fix: String?

    public init(subject: String, passed: Bool, detail: String, fix: String? = nil) {
        self.subject = subject
        self.passed = passed
        self.detail = detail
        self.fix = fix
    }
}
