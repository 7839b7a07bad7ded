import Foundation
import HTTPServer

/// The frame every status page shares, and the small pieces pages are built from.
enum Layout {
    enum Section: String, CaseIterable {
        case overview, mappings, problems, conflicts, runs

        var title: String {
            switch self {
            case .overview: "Overview"
            case .mappings: "Items"
            case .problems: "Dead letters & failures"
            case .conflicts: "Conflicts"
            case .runs: "Runs"
            }
        }

        var path: String { self == .overview ? "/ui/" : "/ui/\(rawValue)" }
    }

    /// A whole page. `refreshSeconds` reloads it while something is running (works with JavaScript off).
    static func page(_ title: String, section: Section?, csrf: String?, refreshSeconds: Int? = nil, _ content: HTML) -> HTTPResponse {
        let navigation = HTML.join(Section.allCases.map { item in
            item == section ? "<a href=\"\(item.path)\" aria-current=\"page\">\(item.title)</a>" : "<a href=\"\(item.path)\">\(item.title)</a>"
        })
        let signOut: HTML = csrf.map { token in
            """
            <form method="post" action="/ui/logout"><input type="hidden" name="csrf" value="\(token)"><button class="quiet">Sign out</button></form>
            """
        } ?? ""
        let refresh: HTML = refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? ""
        let document: HTML = """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\(refresh)
            <title>\(title) · craft-sync</title><link rel="stylesheet" href="/ui/style.css"></head>
            <body>
            <header class="top"><span class="brand">craft-sync</span>\(csrf == nil ? "" : navigation)\(signOut)</header>
            <main>
            \(content)
            </main>
            </body>
            </html>
            """
        return respond(document)
    }

    static func respond(_ document: HTML, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: securityHeaders(contentType: "text/html; charset=utf-8"), body: Array(document.text.utf8))
    }

    /// No script runs on these pages, none may be loaded, and no other site may frame them
    /// (https://www.w3.org/TR/CSP3/); nothing is cached, since every page shows private state.
    static func securityHeaders(contentType: String) -> HTTPHeaders {
        [
            .contentType: contentType,
            "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store",
        ]
    }

    static func redirect(to location: String, headers extra: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = extra
        headers[.location] = location
        headers["Cache-Control"] = "no-store"
        return HTTPResponse(status: .seeOther, headers: headers)
    }

    // MARK: Pieces

    enum Tone: String { case ok, warn, bad, idle }

    /// A status in words and colour: the word always says it, the colour only repeats it.
    static func badge(_ text: String, _ tone: Tone) -> HTML { "<span class=\"badge \(tone.rawValue)\">\(text)</span>" }

    static func badge(for state: String) -> HTML {
        switch state {
        case "linked", "processed", "applied", "succeeded", "created", "recovered", "found", "queued", "claimed": badge(state, .ok)
        case "pending", "received", "retrying", "postponed", "behind", "no-op", "stale", "echo", "changed", "moved": badge(state, .warn)
        case "failed", "dead", "error", "deleted": badge(state, .bad)
        case "unlinked": badge(state, .idle)
        case "conflict": badge(state, .bad)
        case "pushed", "resolved", "marked", "sent": badge(state, .ok)
        default: badge(state, .idle)
        }
    }

    /// A time as "5 min ago" with the exact UTC time beside it.
    static func time(_ date: Date?, now: Date = .now) -> HTML {
        guard let date else { return "<span class=\"muted\">never</span>" }
        let absolute = date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).dateTimeSeparator(.space))
        return "<time datetime=\"\(date.formatted(.iso8601))\">\(relative(date, now: now))</time><span class=\"abs\">\(absolute) UTC</span>"
    }

    static func relative(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded())
        let magnitude = abs(seconds)
        let amount: String
        switch magnitude {
        case ..<5: return "just now"
        case ..<60: amount = "\(magnitude) s"
        case ..<3600: amount = "\(magnitude / 60) min"
        case ..<86_400: amount = "\(magnitude / 3600) h \(magnitude % 3600 / 60) min"
        default: amount = "\(magnitude / 86_400) d"
        }
        return seconds >= 0 ? "\(amount) ago" : "in \(amount)"
    }

    /// A link to an outside page, only when it is http(s): a `javascript:` URL from a payload must not become a link.
    static func externalLink(_ url: String?, _ text: String) -> HTML {
        guard let url, let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "https" || scheme == "http" else { return "\(text)" }
        return "<a href=\"\(url)\" rel=\"noreferrer noopener\">\(text)</a>"
    }

    /// A form that POSTs `action` with the session's CSRF token: every state change on the page is one of these.
    static func button(_ label: String, action: String, csrf: String, returnTo: String) -> HTML {
        """
        <form class="inline" method="post" action="\(action)"><input type="hidden" name="csrf" value="\(csrf)"><input type="hidden" name="return" value="\(returnTo)"><button>\(label)</button></form>
        """
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}
