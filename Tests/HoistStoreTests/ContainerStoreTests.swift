import Testing
import HoistCore
import HoistSys
@testable import HoistStore

@Suite struct ContainerStoreTests {
    @Test func insertUpdateDeleteAndNameConflicts() throws {
        let f = try StoreFixture()
        let store = ContainerStore(metadata: f.metadata)
        let a = ContainerRow(id: "a1", name: "web", imageID: "sha256:x", data: Array("{\"a\":1}".utf8))
        let b = ContainerRow(id: "b2", name: "db", imageID: "sha256:y", data: Array("{}".utf8))
        try store.insert(a)
        try store.insert(b)
        #expect(try store.all() == [a, b])

        let dup = ContainerRow(id: "c3", name: "web", imageID: "sha256:x", data: [])
        let e = #expect(throws: HoistError.self) { try store.insert(dup) }
        #expect(e?.code == .conflict)
        #expect(e?.message == "Conflict. The container name \"/web\" is already in use by container \"a1\". "
            + "You have to remove (or rename) that container to be able to reuse that name.")
        let e2 = #expect(throws: HoistError.self) { try store.insert(ContainerRow(id: "a1", name: "other", imageID: "", data: [])) }
        #expect(e2?.code == .conflict)

        var a2 = a
        a2.data = Array("{\"a\":2}".utf8)
        a2.name = "web2"
        try store.update(a2)
        #expect(try store.get(id: "a1") == a2)
        var renameToTaken = b
        renameToTaken.name = "web2"
        let e3 = #expect(throws: HoistError.self) { try store.update(renameToTaken) }
        #expect(e3?.code == .conflict)
        let e4 = #expect(throws: HoistError.self) { try store.update(ContainerRow(id: "zz", name: "zz", imageID: "", data: [])) }
        #expect(e4?.code == .notFound)

        try store.delete(id: "a1")
        try store.delete(id: "a1")
        #expect(try store.all() == [b])
        // The name is free again.
        try store.insert(dup)

        // Persisted: a new Metadata on the same file sees the rows.
        let reopened = ContainerStore(metadata: try Metadata(path: f.root + "/hoist.db"))
        #expect(try reopened.all().map(\.id) == ["b2", "c3"])
    }
}
