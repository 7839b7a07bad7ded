import Foundation

/// Builds an Atlassian Document Format document (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/)
/// from plain text: blank lines separate paragraphs, `- `/`* ` lines make bullet lists, `1. ` lines ordered
/// lists, and URLs become links, so a description reads in Jira as it was written, not as one escaped blob.
public enum ADFDocument {
    public static func from(text: String) -> ADFNode {
        var blocks: [ADFNode] = []
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            var content: [ADFNode] = []
            for (index, line) in paragraph.enumerated() {
                if index > 0 { content.append(ADFNode(type: "hardBreak")) }
                content += inline(line)
            }
            blocks.append(ADFNode(type: "paragraph", content: content))
            paragraph = []
        }
        func flushList() {
            guard let current = list else { return }
            let items = current.items.map { ADFNode(type: "listItem", content: [ADFNode(type: "paragraph", content: inline($0))]) }
            blocks.append(ADFNode(type: current.ordered ? "orderedList" : "bulletList", content: items))
            list = nil
        }

        for rawLine in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flushParagraph()
                flushList()
            } else if let item = listItem(line) {
                flushParagraph()
                if list?.ordered != item.ordered { flushList() }
                list = (item.ordered, (list?.items ?? []) + [item.text])
            } else {
                flushList()
                paragraph.append(line)
            }
        }
        flushParagraph()
        flushList()
        return ADFNode(type: "doc", version: 1, content: blocks)
    }

    private static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return (false, String(line.dropFirst(2))) }
        let digits = line.prefix { $0.isNumber }
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") { return (true, String(line.dropFirst(digits.count + 2))) }
        return nil
    }

    /// Text with each http(s) URL turned into a link mark.
    static func inline(_ text: String) -> [ADFNode] {
        var nodes: [ADFNode] = []
        var rest = Substring(text)
        while let range = rest.range(of: "https://") ?? rest.range(of: "http://") {
            if range.lowerBound > rest.startIndex { nodes.append(.text(String(rest[..<range.lowerBound]))) }
            let end = rest[range.lowerBound...].firstIndex { $0 == " " || $0 == ")" || $0 == ">" } ?? rest.endIndex
            let url = String(rest[range.lowerBound..<end])
            nodes.append(ADFNode(type: "text", text: url, marks: [ADFMark(type: "link", attrs: ["href": url])]))
            rest = rest[end...]
        }
        if !rest.isEmpty { nodes.append(.text(String(rest))) }
        return nodes
    }
}

/// One node of an ADF document.
public struct ADFNode: Sendable, Codable, Equatable {
    public var type: String
    public var version: Int?
    public var text: String?
    public var marks: [ADFMark]?
    public var content: [ADFNode]?

    public init(type: String, version: Int? = nil, text: String? = nil, marks: [ADFMark]? = nil, content: [ADFNode]? = nil) {
        self.type = type
        self.version = version
        self.text = text
        self.marks = marks
        self.content = content
    }

    static func text(_ value: String) -> ADFNode { ADFNode(type: "text", text: value) }
}

public struct ADFMark: Sendable, Codable, Equatable {
    public var type: String
    public var attrs: [String: String]?
}
