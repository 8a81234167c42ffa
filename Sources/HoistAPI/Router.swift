import HoistCore
import Logging
import NIOHTTP1

typealias RouteHandler = @Sendable (Exchange) async throws -> Void

/// A path pattern: literal segments, `{name}` (one segment) and at most one `{name*}`
/// (one or more segments, for image names such as `docker.io/library/busybox:latest`).
struct PathPattern: Sendable {
    enum Segment: Sendable, Equatable { case literal(String), parameter(String), rest(String) }
    let segments: [Segment]

    init(_ pattern: String) {
        segments = pattern.split(separator: "/").map { s in
            if s.hasPrefix("{") && s.hasSuffix("*}") { return .rest(String(s.dropFirst().dropLast(2))) }
            if s.hasPrefix("{") && s.hasSuffix("}") { return .parameter(String(s.dropFirst().dropLast())) }
            return .literal(String(s))
        }
    }

    func match(_ path: [Substring]) -> [String: String]? {
        guard let restIndex = segments.firstIndex(where: { if case .rest = $0 { return true } else { return false } }) else {
            guard path.count == segments.count else { return nil }
            return Self.matchFixed(segments[...], path[...])
        }
        let suffixCount = segments.count - restIndex - 1
        guard path.count >= restIndex + 1 + suffixCount else { return nil }
        guard var params = Self.matchFixed(segments[..<restIndex], path[..<restIndex]),
              let suffix = Self.matchFixed(segments[(restIndex + 1)...], path[(path.count - suffixCount)...]) else { return nil }
        params.merge(suffix) { a, _ in a }
        if case .rest(let name) = segments[restIndex] {
            params[name] = path[restIndex..<(path.count - suffixCount)].joined(separator: "/")
        }
        return params
    }

    private static func matchFixed(_ pattern: ArraySlice<Segment>, _ path: ArraySlice<Substring>) -> [String: String]? {
        var params: [String: String] = [:]
        for (segment, part) in zip(pattern, path) {
            switch segment {
            case .literal(let l): guard l == part else { return nil }
            case .parameter(let name): params[name] = String(part)
            case .rest: return nil
            }
        }
        return params
    }
}

struct Route: Sendable {
    let method: HTTPMethod
    let pattern: PathPattern
    let handler: RouteHandler

    init(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping RouteHandler) {
        self.method = method
        self.pattern = PathPattern(pattern)
        self.handler = handler
    }
}

/// Version prefix handling, route matching, and turning a handler's error into the
/// response. Routes are tried in order: exact ones are listed before greedy ones.
struct Router: Sendable {
    let routes: [Route]
    let logger: Logger

    func dispatch(_ exchange: Exchange) async {
        do {
            let (requested, rest) = APIVersionCheck.splitPrefix(exchange.path)
            exchange.path = rest
            exchange.apiVersion = try APIVersionCheck.negotiate(requested)
            let segments = rest.split(separator: "/")
            var matched: (Route, [String: String])?
            for route in routes where route.method == exchange.method {
                if let params = route.pattern.match(segments) {
                    matched = (route, params)
                    break
                }
            }
            // moby answers unknown paths and unknown methods alike.
            guard let (route, params) = matched else { throw HoistError.notFound("page not found") }
            exchange.pathParameters = params
            try await route.handler(exchange)
        } catch {
            let e = ErrorMapping.hoistError(error)
            if e.code == .internal {
                logger.error("\(exchange.method) \(exchange.head.uri): \(e.message)")
            }
            await exchange.fail(error)
        }
        logger.debug("\(exchange.method) \(exchange.head.uri) \(exchange.status.map { String($0.code) } ?? "-")")
    }
}
