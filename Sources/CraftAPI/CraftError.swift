import OutboundHTTP

/// A Craft.io call that failed, saying which call and what to do about it. Never contains the API key.
public enum CraftError: Error, Sendable, Equatable, CustomStringConvertible {
    case unauthorized(operation: String, message: String)
    case forbidden(operation: String, message: String)
    case notFound(operation: String, message: String)
    case rejected(operation: String, status: Int, message: String)
    case serverError(operation: String, status: Int, message: String)
    case unreachable(OutboundError)
    case malformedResponse(operation: String, detail: String)
    case unknownCustomField(name: String, known: [String])
    /// A select field was given a value that is none of its options.
    case notAnOption(field: String, value: String, options: [String])
    /// A number or date field was given a value that is not one.
    case notOfKind(field: String, value: String, kind: String)

    public var description: String {
        switch self {
        case .unauthorized(let operation, let message):
            "\(operation): Craft.io refused the API key (401: \(message)). Check craft.api_key and craft.dialect (the guide form sends x-craft-api-key, the openapi form x-api-key)."
        case .forbidden(let operation, let message):
            "\(operation): the API key lacks a permission (403: \(message)). It needs read:items:craft and write:items:craft."
        case .notFound(let operation, let message):
            "\(operation): not found (404: \(message)). Check craft.workspace_id and craft.base_url (EU accounts use https://api-eu.craft.io)."
        case .rejected(let operation, 400, let message):
            "\(operation): Craft.io refused the value (400: \(message)). Retrying will not help: check craft.progress_field, craft.link_field and the values of progress.status_map against the field's kind and options in Craft.io."
        case .rejected(let operation, let status, let message):
            "\(operation): Craft.io rejected the request (\(status): \(message))."
        case .serverError(let operation, let status, let message):
            "\(operation): Craft.io failed (\(status): \(message)); will retry later."
        case .unreachable(let error):
            "\(error)"
        case .malformedResponse(let operation, let detail):
            "\(operation): unexpected response from Craft.io (\(detail))."
        case .notAnOption(let field, let value, let options):
            "Craft.io's field '\(field)' is a select field and '\(value)' is none of its options (\(options.joined(separator: ", "))). Map the dev status to one of them in progress.status_map."
        case .notOfKind(let field, let value, let kind):
            "Craft.io's field '\(field)' holds a \(kind) and '\(value)' is not one. Point that setting at a field of the value's kind (a text field takes anything)."
        case .unknownCustomField(let name, let known):
            "Craft.io has no custom field named '\(name)' in this workspace (it has: \(known.joined(separator: ", "))). Check the progress field setting."
        }
    }

    /// Whether trying again later may help.
    /// How long Craft.io asked every caller to hold off (a 429 or 503 whose `Retry-After` is longer than we wait in line).
    public var holdOff: Duration? {
        if case .unreachable(.throttled(_, _, let wait)) = self { return wait }
        return nil
    }

    public var isTransient: Bool {
        switch self {
        case .serverError, .unreachable: true
        default: false
        }
    }
}
