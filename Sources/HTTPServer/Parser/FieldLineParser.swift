/// Parses one field line, `field-name ":" OWS field-value OWS` (RFC 9112 §5), of a header or trailer section.
/// The line comes without its CRLF; the caller has already refused bare LFs.
enum FieldLineParser {
    static func parse(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPHeaders.Field {
        // RFC 9112 §5.2: obs-fold (a line starting with whitespace) is refused with 400 outside message/http.
        if let first = line.first, first == ByteClass.space || first == ByteClass.tab {
            throw .malformedField("obsolete line folding")
        }
        guard let colon = line.firstIndex(of: ByteClass.colon) else {
            throw .malformedField("no colon")
        }
        let name = line[line.startIndex..<colon]
        // RFC 9112 §5.1: no whitespace is allowed between the field name and colon; a server MUST reject it with 400.
        if let last = name.last, last == ByteClass.space || last == ByteClass.tab {
            throw .malformedField("whitespace before colon")
        }
        guard ByteClass.isToken(name) else { throw .malformedField("field name is not a token") }

        var value = line[(colon + 1)...]
        // RFC 9110 §5.5: a field value with CR, LF or NUL is invalid; other controls are refused too.
        for byte in value where !ByteClass.isFieldValueByte(byte) {
            throw byte == ByteClass.cr ? .bareCarriageReturn : .malformedField("control character in value")
        }
        while let first = value.first, first == ByteClass.space || first == ByteClass.tab { value.removeFirst() }
        while let last = value.last, last == ByteClass.space || last == ByteClass.tab { value.removeLast() }
        return (HTTPHeaderName(String(decoding: name, as: UTF8.self)), String(decoding: value, as: UTF8.self))
    }
}
