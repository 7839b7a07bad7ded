import HTTPServer

/// The page-numbered lists the simulated APIs serve (`page` from 1, so many entries a page). The numbers come from
/// the request: a size is clamped to `sizes`, and a page past the end is empty, never an arithmetic overflow.
struct PageRequest {
    var page: Int
    var size: Int

    init(page: Int, size: Int) {
        self.page = max(1, page)
        self.size = max(1, size)
    }

    init(_ head: HTTPRequestHead, sizeParameter: String, defaultSize: Int, sizes: ClosedRange<Int>) {
        page = max(1, head.queryValue("page").flatMap { Int($0) } ?? 1)
        size = min(sizes.upperBound, max(sizes.lowerBound, head.queryValue(sizeParameter).flatMap { Int($0) } ?? defaultSize))
    }

    func slice<T>(_ items: [T]) -> ArraySlice<T> {
        let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: size)
        guard !overflow, offset < items.count else { return [] }
        return items.dropFirst(offset).prefix(size)
    }

    /// How many pages `count` entries fill (at least one).
    func pages(of count: Int) -> Int { max(1, count / size + (count % size == 0 ? 0 : 1)) }
}
