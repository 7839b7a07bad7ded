/// Decodes a chunked body (RFC 9112 §7.1) incrementally:
///
///     chunked-body = *chunk last-chunk trailer-section CRLF
///     chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
///     chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
///
/// Trailer fields are parsed with the header rules and dropped (RFC 9112 §7.1.2 lets a recipient discard them).
struct ChunkedBodyDecoder: Sendable {
    private enum State: Sendable {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailers(bytes: Int, fields: Int)
    }

    let limits: HTTPLimits
    /// The most body bytes this request may carry: the route's limit, never above `limits.body`.
    let bodyLimit: Int
    private(set) var body: [UInt8] = []
    private var state = State.sizeLine

    init(limits: HTTPLimits, bodyLimit: Int) {
        self.limits = limits
        self.bodyLimit = min(bodyLimit, limits.body)
    }

    /// Consumes what it can from `buffer`; true once the whole body, trailers included, has been read.
    mutating func decode(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> Bool {
        while true {
            switch state {
            case .sizeLine:
                // chunk-size: at most 16 hex digits fit an Int; the extension has its own limit.
                guard let line = try takeLine(&buffer, maxLength: 16 + limits.chunkExtension + 2) else { return false }
                let size = try Self.parseSizeLine(line, limits: limits)
                // Compared with what is left of the budget: `body.count + size` traps when the peer sends a size
                // near Int.max, and a trap here would let one request kill the process.
                guard size <= bodyLimit - body.count else { throw .bodyTooLarge(limit: bodyLimit) }
                state = size == 0 ? .trailers(bytes: 0, fields: 0) : .data(remaining: size)
            case .data(let remaining):
                guard !buffer.isEmpty else { return false }
                let count = min(remaining, buffer.count)
                body.append(contentsOf: buffer.readable.prefix(count))
                buffer.consume(count)
                state = count == remaining ? .dataEnd : .data(remaining: remaining - count)
            case .dataEnd:
                guard buffer.count >= 2 else { return false }
                let bytes = buffer.readable
                guard bytes[bytes.startIndex] == ByteClass.cr, bytes[bytes.startIndex + 1] == ByteClass.lf else {
                    throw .malformedChunk("chunk data not followed by CRLF")
                }
                buffer.consume(2)
                state = .sizeLine
            case .trailers(let bytes, let fields):
                let remainingBudget = limits.headerSection - bytes
                guard let line = try takeLine(&buffer, maxLength: remainingBudget) else { return false }
                if line.isEmpty { return true }
                guard fields < limits.headerFields else { throw .tooManyHeaderFields(limit: limits.headerFields) }
                _ = try FieldLineParser.parse(line)
                state = .trailers(bytes: bytes + line.count + 2, fields: fields + 1)
            }
        }
    }

    /// Takes one CRLF-terminated line (without the CRLF), or nil when it has not fully arrived.
    private func takeLine(_ buffer: inout ByteBuffer, maxLength: Int) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        let bytes = buffer.readable
        guard let lf = bytes.firstIndex(of: ByteClass.lf) else {
            if bytes.count > maxLength { throw lineTooLong() }
            if let cr = bytes.firstIndex(of: ByteClass.cr), cr + 1 < bytes.endIndex { throw .bareCarriageReturn }
            return nil
        }
        guard lf > bytes.startIndex, bytes[lf - 1] == ByteClass.cr else { throw .bareLineFeed }
        let line = bytes[bytes.startIndex..<(lf - 1)]
        if line.count > maxLength { throw lineTooLong() }
        if line.contains(ByteClass.cr) { throw .bareCarriageReturn }
        buffer.consume(line.count + 2)
        return line
    }

    private func lineTooLong() -> HTTPParseError {
        if case .trailers = state { return .headerSectionTooLarge(limit: limits.headerSection) }
        return .chunkExtensionTooLong(limit: limits.chunkExtension)
    }

    static func parseSizeLine(_ line: ArraySlice<UInt8>, limits: HTTPLimits) throws(HTTPParseError) -> Int {
        let digits = line.prefix(while: { ByteClass.hexValue($0) != nil })
        guard !digits.isEmpty else { throw .malformedChunk("chunk size is not hexadecimal") }
        var size = 0
        for digit in digits {
            let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
            let (sum, carry) = shifted.addingReportingOverflow(ByteClass.hexValue(digit)!)
            guard !overflow, !carry else { throw .malformedChunk("chunk size overflows") }
            size = sum
        }
        let extensions = line[digits.endIndex...]
        guard extensions.count <= limits.chunkExtension else { throw .chunkExtensionTooLong(limit: limits.chunkExtension) }
        try validateExtensions(extensions)
        return size
    }

    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ),
    /// chunk-ext-val = token / quoted-string. Extensions are checked and then ignored.
    static func validateExtensions(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) {
        var rest = bytes
        func skipWhitespace() {
            while let first = rest.first, first == ByteClass.space || first == ByteClass.tab { rest.removeFirst() }
        }
        func takeToken() -> ArraySlice<UInt8> {
            let token = rest.prefix(while: ByteClass.isToken)
            rest.removeFirst(token.count)
            return token
        }
        while true {
            skipWhitespace()
            guard let first = rest.first else { return }
            guard first == UInt8(ascii: ";") else { throw .malformedChunk("unexpected byte in chunk extension") }
            rest.removeFirst()
            skipWhitespace()
            guard !takeToken().isEmpty else { throw .malformedChunk("chunk extension without a name") }
            skipWhitespace()
            guard rest.first == UInt8(ascii: "=") else { continue }
            rest.removeFirst()
            skipWhitespace()
            if rest.first == UInt8(ascii: "\"") {
                try takeQuotedString(&rest)
            } else if takeToken().isEmpty {
                throw .malformedChunk("chunk extension without a value after '='")
            }
        }
    }

    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4).
    private static func takeQuotedString(_ rest: inout ArraySlice<UInt8>) throws(HTTPParseError) {
        rest.removeFirst()
        while let byte = rest.popFirst() {
            switch byte {
            case UInt8(ascii: "\""):
                return
            case UInt8(ascii: "\\"):
                guard let escaped = rest.popFirst(), ByteClass.isFieldValueByte(escaped) else {
                    throw .malformedChunk("bad quoted-pair in chunk extension")
                }
            default:
                guard ByteClass.isFieldValueByte(byte) else { throw .malformedChunk("control byte in chunk extension") }
            }
        }
        throw .malformedChunk("unterminated quoted string in chunk extension")
    }
}
