import Foundation

/// Something an operator should hear of without watching the status page: a one-off (a dead letter, an item failed
/// for good) or a lasting condition (intake halted, the Craft.io key unusable, a service down), told when it begins
/// and again when it is back to normal.
struct Alert: Sendable, Equatable {
    enum Kind: String, Sendable, Encodable {
        case deadLetter = "dead_letter"
        case itemFailed = "item_failed"
        case intakeHalted = "intake_halted"
        case craftUnusable = "craft_unusable"
        case outage
    }

    enum State: String, Sendable, Encodable {
        case firing
        case resolved
    }

    /// The item an alert concerns, whose timeline records that it was told.
    struct Item: Sendable, Equatable {
        var craftItemID: String
        var workspaceID: String
        var devToolInstance: String
        var devIssueKey: String?
    }

    var kind: Kind
    var state: State = .firing
    /// What it is about, stable while it lasts (`event:12`, `intake:github`, `outage:Craft.io`).
    var subject: String
    /// One sentence for a person, built from what the timeline and readiness show already: never a secret.
    var summary: String
    var item: Item?

    /// The alert's title in a message.
    var title: String {
        switch (kind, state) {
        case (.deadLetter, _): "Dead letter"
        case (.itemFailed, _): "Item failed"
        case (.intakeHalted, .firing): "Intake stopped"
        case (.craftUnusable, .firing): "Craft.io unusable"
        case (.outage, .firing): "Down"
        case (_, .resolved): "Back to normal"
        }
    }
}
