import HoistClient

/// Small conveniences over EngineClient for the commands.
extension EngineClient {
    func getJSON(_ path: String, query: QueryString = QueryString()) async throws -> JSON {
        try await send(EngineRequest(.GET, path, query: query)).json()
    }

    @discardableResult
    func post(_ path: String, query: QueryString = QueryString(), json body: [UInt8]? = nil) async throws -> EngineResponse {
        var headers: [(String, String)] = []
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await send(EngineRequest(.POST, path, query: query, headers: headers, body: body))
    }

    @discardableResult
    func delete(_ path: String, query: QueryString = QueryString()) async throws -> EngineResponse {
        try await send(EngineRequest(.DELETE, path, query: query))
    }
}
