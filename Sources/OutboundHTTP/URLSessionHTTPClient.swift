import Foundation
import Support
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The production `HTTPClient`: Foundation's URLSession with connect and request timeouts and a User-Agent, and
/// three guards a remote server cannot talk its way past:
/// - a response body larger than `maxResponseBytes` is cut off and reported, never buffered whole;
/// - a redirect to another scheme, host or port is not followed, so `Authorization`, `x-api-key` and
///   `x-craft-api-key` never reach a host they were not meant for; the 3xx comes back as the answer;
/// - a plain `http` URL is refused unless its host is this machine (`OutboundURLPolicy`).
public final class URLSessionHTTPClient: HTTPClient {
    private let session: URLSession
    private let userAgent: String
    private let tasks: TaskRegistry

    /// `maxConnectionsPerHost` bounds parallel calls to one host; it must not be below the intake concurrency
    /// (URLSession's default is 6).
    public init(
        requestTimeout: TimeInterval = 30, resourceTimeout: TimeInterval = 120, maxConnectionsPerHost: Int = 16,
        maxResponseBytes: Int = 32 << 20, userAgent: String = "craft-sync/0.1"
    ) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        tasks = TaskRegistry(maxResponseBytes: maxResponseBytes)
        session = URLSession(configuration: configuration, delegate: tasks, delegateQueue: nil)
        self.userAgent = userAgent
    }

    // Not on the releasing thread: invalidation is a sync onto URLSession's shared work queue (see TaskRegistry.run).
    deinit { DispatchQueue.global().async { [session] in session.invalidateAndCancel() } }

    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        if let refusal = OutboundURLPolicy.refusal(for: request.url) {
            throw .transport(operation: request.operation, reason: refusal)
        }
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        urlRequest.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let prepared = urlRequest
        let outcome = await tasks.run { [session] in session.dataTask(with: prepared) }
        switch outcome {
        case .response(let http, let body):
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
            return OutboundResponse(status: http.statusCode, headers: headers, body: body)
        case .tooLarge(let limit):
            throw .transport(operation: request.operation, reason: "response body larger than \(limit) bytes; refused")
        case .cancelled:
            throw .cancelled(operation: request.operation)
        case .failed(let error):
            // URLError's description names the URL, never headers; keep only its code and message.
            let reason = (error as? URLError).map { "URLError \($0.code.rawValue): \($0.localizedDescription)" } ?? "\(error)"
            throw .transport(operation: request.operation, reason: reason)
        }
    }
}

/// Which URLs outbound calls may use. Credentials travel in headers, so they must not cross the network in clear.
public enum OutboundURLPolicy {
    /// Nil when `url` may be called; otherwise why not, in words that say what to change.
    public static func refusal(for url: URL) -> String? {
        switch url.scheme?.lowercased() {
        case "https": return nil
        case "http" where isLoopback(url.host): return nil
        case "http": return "plain http to \(url.host ?? "?") would send credentials in clear; use https (http is allowed only to this machine)"
        default: return "unsupported URL scheme '\(url.scheme ?? "")'; use https"
        }
    }

    /// `localhost` or a loopback address literal; a name that merely starts with `127.` (`127.evil.example`) is not.
    static func isLoopback(_ host: String?) -> Bool {
        guard let host = host?.lowercased() else { return false }
        return host == "localhost" || IPAddress(host)?.isLoopback == true
    }
}

/// The session's delegate: collects each task's body up to the cap, refuses cross-origin redirects, and resumes
/// the waiting caller once the task ends.
///
/// `@unchecked Sendable` is safe: its only mutable state is `state`, a `Mutex`.
private final class TaskRegistry: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Outcome {
        case response(HTTPURLResponse, Data)
        case tooLarge(limit: Int)
        case cancelled
        case failed(any Error)
    }

    private struct Pending {
        var continuation: CheckedContinuation<Outcome, Never>
        var body = Data()
        var tooLarge = false
    }

    private let maxResponseBytes: Int
    private let state = Mutex<[Int: Pending]>([:])
    private let submitter = DispatchQueue(label: "craft-sync.outbound.submit")

    init(maxResponseBytes: Int) {
        self.maxResponseBytes = maxResponseBytes
    }

    /// Creates and resumes the task on `submitter`, never on the caller's thread: Foundation's URLSession does both
    /// with a `sync` onto a work queue all sessions share, and a Swift task calling it blocks a thread of the
    /// cooperative pool (two on two cores) until that queue is free. With both blocked so, the queue's own work waited
    /// for a thread of that same pool: every outbound call stalled until its timeout (seen in the test suite, found
    /// with gdb).
    func run(_ makeTask: @escaping @Sendable () -> URLSessionDataTask) async -> Outcome {
        let submitted = SubmittedTask()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                submitter.async { [self] in
                    guard !submitted.isCancelled else { return continuation.resume(returning: .cancelled) }
                    let task = makeTask()
                    state.withLock { $0[task.taskIdentifier] = Pending(continuation: continuation) }
                    submitted.task = task
                    task.resume()
                }
            }
        } onCancel: {
            submitted.isCancelled = true
            submitter.async { submitted.task?.cancel() }
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        // A declared length over the cap is refused before any of the body is read.
        let declared = response.expectedContentLength
        if declared > Int64(maxResponseBytes) {
            state.withLock { $0[dataTask.taskIdentifier]?.tooLarge = true }
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overflow = state.withLock { pending -> Bool in
            guard var entry = pending[dataTask.taskIdentifier] else { return false }
            guard data.count <= maxResponseBytes - entry.body.count else {
                entry.tooLarge = true
                entry.body = Data()
                pending[dataTask.taskIdentifier] = entry
                return true
            }
            entry.body.append(data)
            pending[dataTask.taskIdentifier] = entry
            return false
        }
        if overflow { dataTask.cancel() }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        // Following a redirect to another origin would carry the credential headers there; answering nil hands
        // the 3xx itself to the caller, who reports it.
        let from = task.originalRequest?.url
        let to = request.url
        let sameOrigin = from?.scheme?.lowercased() == to?.scheme?.lowercased()
            && from?.host?.lowercased() == to?.host?.lowercased() && from?.port == to?.port
        completionHandler(sameOrigin ? request : nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let entry = state.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        let outcome: Outcome
        if entry.tooLarge {
            outcome = .tooLarge(limit: maxResponseBytes)
        } else if let error {
            outcome = (error as? URLError)?.code == .cancelled ? .cancelled : .failed(error)
        } else if let http = task.response as? HTTPURLResponse {
            outcome = .response(http, entry.body)
        } else {
            outcome = .failed(URLError(.badServerResponse))
        }
        entry.continuation.resume(returning: outcome)
    }
}

/// A task between its submission and its end, for cancellation. `@unchecked Sendable`: `task` is written and read only
/// on the registry's serial `submitter` queue; `isCancelled` is atomic.
private final class SubmittedTask: @unchecked Sendable {
    var task: URLSessionDataTask?
    private let cancelled = Atomic<Bool>(false)
    var isCancelled: Bool {
        get { cancelled.load(ordering: .acquiring) }
        set { cancelled.store(newValue, ordering: .releasing) }
    }
}
