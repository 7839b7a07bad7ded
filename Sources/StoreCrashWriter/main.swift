import Foundation
import Store

// Test helper for the store's crash test (Tests/StoreTests/CrashTests.swift): appends events from several
// concurrent writers and prints each delivery id on standard output only after its commit returned.
// The test kills this process with SIGKILL at random moments and checks every printed id survived.
// Usage: StoreCrashWriter DATABASE PREFIX

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: StoreCrashWriter DATABASE PREFIX\n".utf8))
    exit(2)
}
let store = try Store(path: arguments[1])
let prefix = arguments[2]
let output = FileHandle.standardOutput
let body = Array(String(repeating: #"{"action":"edited","issue":{"number":1}}"#, count: 50).utf8)

await withThrowingTaskGroup(of: Void.self) { group in
    for writer in 0..<8 {
        group.addTask {
            for sequence in 0... {
                let deliveryID = "\(prefix)-\(writer)-\(sequence)"
                _ = try await store.events.append(
                    IncomingEvent(tool: "crash", deliveryID: deliveryID, eventType: "issues", receivedAt: .now, body: body))
                output.write(Data("\(deliveryID)\n".utf8))
            }
        }
    }
}
