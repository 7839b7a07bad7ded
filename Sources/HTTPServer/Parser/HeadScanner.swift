/// Finds the lines of a request head as bytes arrive, enforcing the size limits and CRLF line endings
/// before anything is parsed, so an oversized or malformed head is refused without buffering it all.
struct HeadScanner: Sendable {
    struct Lines {
        var requestLine: ArraySlice<UInt8>
        var fields: [ArraySlice<UInt8>]
    }

    // Positions are relative to the buffer's first unread byte, which stays put until the head is consumed.
    private var scanned = 0
    private var lineStart = 0
    private var lineRanges: [Range<Int>] = []

    mutating func scan(_ buffer: inout ByteBuffer, limits: HTTPLimits) throws(HTTPParseError) -> Lines? {
        let bytes = buffer.readable
        let base = bytes.startIndex
        var index = base + scanned
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == ByteClass.lf {
                // RFC 9112 §2.2 allows a recipient to accept a bare LF as a line end; we do not, since parsers that
                // disagree on line ends are how requests get smuggled past proxies.
                guard index > base, bytes[index - 1] == ByteClass.cr else { throw .bareLineFeed }
                let line = lineStart..<(index - 1 - base)
                lineStart = index + 1 - base
                if line.isEmpty {
                    if lineRanges.isEmpty {
                        // RFC 9112 §2.2: a server SHOULD ignore empty lines received before the request line.
                        index += 1
                        continue
                    }
                    let result = Lines(
                        requestLine: bytes[(base + lineRanges[0].lowerBound)..<(base + lineRanges[0].upperBound)],
                        fields: lineRanges.dropFirst().map { bytes[(base + $0.lowerBound)..<(base + $0.upperBound)] })
                    buffer.consume(lineStart)
                    self = HeadScanner()
                    return result
                }
                lineRanges.append(line)
                if lineRanges.count > limits.headerFields + 1 { throw .tooManyHeaderFields(limit: limits.headerFields) }
            } else if byte == ByteClass.cr, index + 1 < bytes.endIndex, bytes[index + 1] != ByteClass.lf {
                throw .bareCarriageReturn
            }
            index += 1
            try checkLimits(endingAt: index - base, limits: limits)
        }
        // A CR at the very end is looked at again with the next bytes: only then can we tell CRLF from a bare CR.
        scanned = index - base
        if scanned > lineStart, bytes[index - 1] == ByteClass.cr { scanned -= 1 }
        try checkLimits(endingAt: index - base, limits: limits)
        return nil
    }

    private func checkLimits(endingAt end: Int, limits: HTTPLimits) throws(HTTPParseError) {
        if lineRanges.isEmpty {
            // The request line so far, its CR excluded, and any skipped empty lines ahead of it.
            if end - lineStart > limits.requestLine + 1 { throw .requestLineTooLong(limit: limits.requestLine) }
        } else {
            let headerStart = lineRanges[0].upperBound + 2
            if end - headerStart > limits.headerSection { throw .headerSectionTooLarge(limit: limits.headerSection) }
        }
    }
}
