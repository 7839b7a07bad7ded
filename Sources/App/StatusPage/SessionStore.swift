import Foundation
import Synchronization

/// Signed-in browsers of the status page. A session is a random id in an `HttpOnly`, `SameSite=Strict` cookie;
/// the admin token itself never leaves the sign-in form (not in a cookie, a page or a URL). Each session has
/// its own CSRF token, which every state-changing form posts back.
final class SessionStore: Sendable {
    struct Session: Sendable {
        var csrfToken: String
        var expiresAt: Date
    }

    static let cookieName = "craft_sync_session"
    /// A session lasts a working day; signing in again is one form.
    let lifetime: TimeInterval
    /// Old sessions are dropped beyond this many, so repeated sign-ins cannot grow memory without bound.
    let capacity: Int
    private let sessions = Mutex<[String: Session]>([:])

    init(lifetime: TimeInterval = 12 * 3600, capacity: Int = 256) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// A new session; returns its id (the cookie's value).
    func open(now: Date = .now) -> String {
        let id = Self.randomToken()
        let session = Session(csrfToken: Self.randomToken(), expiresAt: now.addingTimeInterval(lifetime))
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expiresAt > now }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.expiresAt < $1.value.expiresAt })?.key {
                sessions[oldest] = nil
            }
            sessions[id] = session
        }
        return id
    }

    func session(_ id: String?, now: Date = .now) -> Session? {
        guard let id else { return nil }
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expiresAt > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    func close(_ id: String?) {
        guard let id else { return }
        sessions.withLock { $0[id] = nil }
    }

    /// 32 bytes from the system's cryptographically secure generator (getrandom(2) on Linux), as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }
}
