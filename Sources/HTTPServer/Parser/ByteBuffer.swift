/// Received bytes not yet consumed. Reading advances an index; the storage is compacted on append
/// once the consumed prefix dominates, so pipelined requests do not cost a copy each.
struct ByteBuffer: Sendable {
    private var storage: [UInt8] = []
    private var readIndex = 0

    var count: Int { storage.count - readIndex }
    var isEmpty: Bool { count == 0 }
    var readable: ArraySlice<UInt8> { storage[readIndex...] }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        compactIfWorthIt()
        storage.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthIt()
        storage.append(contentsOf: bytes)
    }

    mutating func consume(_ count: Int) {
        precondition(count <= self.count)
        readIndex += count
        if readIndex == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 4096)
            readIndex = 0
        }
    }

    mutating func read(_ count: Int) -> [UInt8] {
        let bytes = Array(storage[readIndex..<(readIndex + count)])
        consume(count)
        return bytes
    }

    private mutating func compactIfWorthIt() {
        if readIndex > 4096 && readIndex * 2 > storage.count {
            storage.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
