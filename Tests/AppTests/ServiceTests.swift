import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPServer
import Logging
import Testing
@testable import App
import Store
import TestSupport

@Suite("The service's operational endpoints")
struct ServiceTests {
    func makeApplication(_ configure: (inout Configuration) -> Void = { _ in }) throws -> Application {
        var configuration = Configuration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.database = temporaryDatabase("craft-sync")
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try Application(configuration: configuration, logger: logger)
    }

    func get(_ path: String, port: Int) async throws -> (status: Int, body: String) {
        let response = try await httpExchange("http://127.0.0.1:\(port)\(path)")
        return (response.status, response.text)
    }

    @Test("/healthz answers 200 while the process lives")
    func healthz() async throws {
        let app = try makeApplication()
        let port = try app.start()
        let result = try await get("/healthz", port: port)
        await app.server.shutdown()
        #expect(result.status == 200)
        #expect(result.body == #"{"status":"ok"}"#)
    }

    @Test("/readyz is 503 and names what is missing until the configuration is complete")
    func readyzIncomplete() async throws {
        let app = try makeApplication()
        let port = try app.start()
        let result = try await get("/readyz", port: port)
        await app.server.shutdown()
        #expect(result.status == 503)
        #expect(result.body.contains(#""missingSettings":["craft.api_key","craft.workspace_id","dev_tool.kind","dev_tool.token","dev_tool.webhook_secret"]"#))
        #expect(result.body.contains(#""database":"ok""#))
    }

    @Test("/readyz is 200 once configured and the database takes writes")
    func readyzComplete() async throws {
        let app = try makeApplication { configuration in
            configuration.craft.apiKey = Secret("k")
            configuration.craft.workspaceID = "ws"
            configuration.devTool.kind = "github"
            configuration.devTool.token = Secret("t")
            configuration.devTool.values["owner"] = "acme"
            configuration.devTool.values["repository"] = "product"
            configuration.devTool.webhookSecret = Secret("whsec")
        }
        let port = try app.start()
        let result = try await get("/readyz", port: port)
        await app.server.shutdown()
        #expect(result.status == 200)
        #expect(result.body.contains(#""status":"ready""#))
    }

    @Test("/readyz is 503 when the database file is read-only")
    func readyzReadOnlyDatabase() async throws {
        let app = try makeApplication()
        let path = app.configuration.database
        // Tests run as root, which ignores file modes; make the connection refuse writes as a read-only file would.
        try await app.store.write { try $0.execute("PRAGMA query_only = ON") }
        let port = try app.start()
        let result = try await get("/readyz", port: port)
        await app.server.shutdown()
        #expect(result.status == 503)
        #expect(result.body.contains("not writable"))
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("/metrics exposes request counts by route and the process start time")
    func metrics() async throws {
        let app = try makeApplication()
        let port = try app.start()
        _ = try await get("/healthz", port: port)
        _ = try await get("/nowhere", port: port)
        for invented in ["FROB1", "FROB2", "FROB3"] {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/nowhere-\(invented)")!)
            request.httpMethod = invented
            _ = try await URLSession.shared.data(for: request)
        }
        let result = try await get("/metrics", port: port)
        await app.server.shutdown()
        #expect(result.status == 200)
        #expect(result.body.contains(#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
        #expect(result.body.contains(#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
        // Invented methods and paths never become labels of their own.
        #expect(result.body.contains(#"http_requests_total{method="other",route="unmatched",status="404"} 3"#))
        #expect(!result.body.contains("FROB"))
        #expect(result.body.contains("process_start_time_seconds "))
        #expect(result.body.contains("http_open_connections "))
        #expect(result.body.contains(#"http_request_duration_seconds_count{route="/healthz"} 1"#))
    }

    @Test("a file that is not an SQLite database stops the start with a clear error and is left alone")
    func notADatabase() throws {
        let path = try temporaryFile(String(repeating: "this is not a database\n", count: 200), suffix: ".sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = try #require(throws: StoreError.self) { try makeApplication { $0.database = path } }
        #expect("\(error)".contains("\(path) is not a craft-sync database"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
}
