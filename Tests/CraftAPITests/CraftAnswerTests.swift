@testable import CraftAPI
import Foundation
import Testing

@Suite("Craft.io's answers are read with care: errors as Craft.io said them, numbers range-checked")
struct CraftErrorMessageTests {
    /// Today: `details` was decoded as a string, so an object (the published shape) lost the server's message.
    @Test("details of any JSON shape are shown after the message", arguments: [
        (#"{"message": "Validation failed", "details": {"customFields[0].value": "not an option"}}"#, #"Validation failed (details: {"customFields[0].value":"not an option"})"#),
        (#"{"message": "Validation failed", "details": "value too long"}"#, "Validation failed (details: value too long)"),
        (#"{"message": "Validation failed", "details": ["a", "b"]}"#, #"Validation failed (details: ["a","b"])"#),
        (#"{"message": "Not allowed"}"#, "Not allowed"),
        ("<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
    ])
    func details(_ body: String, _ shown: String) {
        #expect(CraftTransport.message(in: Data(body.utf8)) == shown)
    }

    @Test("a page count a server sends is range-checked")
    func pageCountRangeChecked() {
        #expect(OpenAPICraftClient.pageCount(1e300) == OpenAPICraftClient.maxPages)
        #expect(OpenAPICraftClient.pageCount(.infinity) == 1)
        #expect(OpenAPICraftClient.pageCount(-5) == 1)
        #expect(OpenAPICraftClient.pageCount(2.5) == 3)
    }

    @Test("a 400 says retrying will not help and which settings to check")
    func validationIsPermanent() {
        let error = CraftError.rejected(operation: "Craft.io: set dev_status of item 1", status: 400, message: "Validation failed")
        #expect(!error.isTransient)
        #expect(error.description.contains("craft.progress_field"))
    }
}
