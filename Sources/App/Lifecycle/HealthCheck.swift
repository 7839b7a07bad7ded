import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `craft-sync healthcheck`: asks a running service for `/healthz`, for a container's HEALTHCHECK (no curl in
/// the image). The address comes from the same configuration the service reads.
public enum HealthCheck {
    public static func run(_ configuration: Configuration, url: String?) async throws -> String {
        let listen = configuration.listen
        let host = listen.host == "0.0.0.0" || listen.host == "::" ? "127.0.0.1" : listen.host
        let target = url ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(listen.port)/healthz"
        guard let address = URL(string: target) else { throw CommandError("\(target) is not a URL") }
        var request = URLRequest(url: address)
        request.timeoutInterval = 5
        let status: Int
        do {
            status = ((try await URLSession.shared.data(for: request)).1 as? HTTPURLResponse)?.statusCode ?? 0
        } catch {
            throw CommandError("\(target) did not answer: \(error.localizedDescription)")
        }
        guard status == 200 else { throw CommandError("\(target) answered \(status)") }
        return "\(target): ok"
    }
}
