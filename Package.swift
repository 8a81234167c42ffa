// swift-tools-version:6.0
// Hoist: a Docker-compatible container engine. Module map: ../shared/DESIGN.md (and docs/).
import PackageDescription

// Modules linked into `hoist`: extension members of Foundation reached only through another
// module's import (Crypto's) must not be picked, or `hoist` links all of Foundation and ICU
// (Essentials is enough; `hoist --version` takes 2.4 ms without the rest, 3.2 ms with it).
let cliModuleSettings: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "Hoist",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hoist", targets: ["hoist"]),
        .executable(name: "hoistd", targets: ["hoistd"]),
        .executable(name: "hoist-shim", targets: ["hoist-shim"]),
        .executable(name: "hoist-registry", targets: ["hoist-registry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Already built for async-http-client; the registry server's TLS uses it directly.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Leaf: errors, ids, names.
        .target(name: "HoistCore", swiftSettings: cliModuleSettings),
        // Pure OCI / Docker image and runtime types, references, digests.
        .target(name: "HoistOCI", dependencies: [
            "HoistCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: cliModuleSettings),
        // Pure Dockerfile parser and .dockerignore matcher.
        .target(name: "HoistDockerfile", dependencies: ["HoistCore"], swiftSettings: cliModuleSettings),
        // Pure Engine API models (Codable), shared by daemon and client.
        .target(name: "HoistAPIModels", dependencies: ["HoistCore", "HoistOCI"], swiftSettings: cliModuleSettings),
        // Syscalls Glibc's module map lacks.
        .target(name: "CHoistSys"),
        .target(name: "HoistSys", dependencies: [
            "HoistCore", "CHoistSys",
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: cliModuleSettings),
        // libarchive from Debian (libarchive-dev).
        .systemLibrary(name: "CArchive"),
        // libarchive is linked in, not loaded: every `hoist` start mapped and relocated its 13
        // shared libraries (ICU and libstdc++ among them), 1.4 ms measured, for the few
        // commands that handle a tar. Only the compressors Hoist uses are pulled in.
        .target(name: "HoistArchive", dependencies: ["HoistSys", "CArchive", "HoistOCI"],
                swiftSettings: cliModuleSettings,
                linkerSettings: [.unsafeFlags([
                    "-Xlinker", "--start-group",
                    "-Xlinker", "-l:libarchive.a", "-Xlinker", "-l:libnettle.a", "-Xlinker", "-l:libacl.a",
                    "-Xlinker", "-l:liblzma.a", "-Xlinker", "-l:libzstd.a", "-Xlinker", "-l:liblz4.a",
                    "-Xlinker", "-l:libbz2.a", "-Xlinker", "-l:libz.a",
                    "-Xlinker", "--end-group",
                ])]),
        .target(name: "HoistStore", dependencies: [
            "HoistOCI", "HoistArchive", "HoistSys",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Container log record format; no Foundation (the shim links it).
        .target(name: "HoistLogs"),
        .target(name: "HoistRuntime", dependencies: ["HoistOCI", "HoistSys", "HoistLogs"]),
        // Runs a parsed Dockerfile: context, COPY/ADD, cache keys; RUN goes through the Engine.
        .target(name: "HoistBuild", dependencies: ["HoistCore", "HoistOCI", "HoistDockerfile", "HoistStore", "HoistArchive", "HoistSys"]),
        // Bridge networks, IPAM, published ports (kernel NAT), embedded DNS.
        .target(name: "HoistNetwork", dependencies: ["HoistCore", "HoistSys"]),
        .target(name: "HoistEngine", dependencies: [
            "HoistCore", "HoistOCI", "HoistAPIModels", "HoistStore", "HoistRuntime", "HoistLogs", "HoistArchive", "HoistSys", "HoistNetwork",
            "HoistBuild", "HoistDockerfile",
            "HoistDistribution",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "HoistAPI", dependencies: [
            "HoistEngine", "HoistAPIModels", "HoistCore", "HoistBuild", "HoistDistribution",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "HoistClient", dependencies: [
            "HoistAPIModels",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: cliModuleSettings),
        .target(name: "HoistCLI", dependencies: [
            "HoistClient", "HoistAPIModels", "HoistOCI", "HoistDockerfile", "HoistArchive",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: cliModuleSettings),
        // Registry client (Client/) and OCI distribution server (Server/).
        .target(name: "HoistDistribution", dependencies: [
            "HoistCore", "HoistOCI", "HoistStore", "HoistArchive",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "hoist", dependencies: ["HoistCLI"],
                          // Static Swift runtime and FoundationEssentials: `hoist --version` takes 6.5 ms
                          // instead of 11.4 ms (the dynamic loader no longer binds thousands of symbols
                          // against the toolchain's libraries at every start). Only Essentials: see
                          // cliModuleSettings. The group lets the linker resolve the static archives
                          // against each other whatever their order.
                          linkerSettings: [.unsafeFlags([
                              "-static-stdlib", "-Xlinker", "--start-group",
                              "-lFoundationEssentials", "-l_FoundationCShims", "-l_FoundationCollections",
                              "-lswiftDispatch", "-ldispatch", "-lBlocksRuntime", "-lswiftSynchronization",
                              "-Xlinker", "--end-group",
                              // Not position-independent, like the docker CLI (Go's default): the loader
                              // then has no 96,000 relative relocations to apply at every start (-1.6 ms).
                              "-Xclang-linker", "-no-pie",
                              // Nothing loads code into the CLI, so it exports no symbols (32,000 did).
                              // The runtime's backtracer set-up calls dladdr() at every start, which
                              // scans them all: `hoist version` 12.6 -> 10.3 ms.
                              "-Xlinker", "--no-export-dynamic",
                          ])]),
        .executableTarget(name: "hoistd", dependencies: [
            "HoistAPI", "HoistEngine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `hoist registry serve` execs it: the server's HTTP/TLS stacks stay out of `hoist`.
        .executableTarget(name: "hoist-registry", dependencies: ["HoistDistribution"]),
        // Per-container supervisor: Glibc and HoistLogs only, no Foundation.
        .executableTarget(name: "hoist-shim", dependencies: ["HoistLogs"],
                          // Static stdlib: the shim starts in ~2 ms and needs no toolchain libraries.
                          linkerSettings: [.unsafeFlags(["-static-stdlib"])]),

        .testTarget(name: "HoistOCITests", dependencies: ["HoistOCI"]),
        .testTarget(name: "HoistDockerfileTests", dependencies: ["HoistDockerfile"]),
        .testTarget(name: "HoistArchiveTests", dependencies: ["HoistArchive"]),
        .testTarget(name: "HoistStoreTests", dependencies: ["HoistStore"]),
        .testTarget(name: "HoistLogsTests", dependencies: ["HoistLogs"]),
        .testTarget(name: "HoistRuntimeTests", dependencies: ["HoistRuntime"]),
        .testTarget(name: "HoistAPIModelsTests", dependencies: ["HoistAPIModels", "HoistCore"]),
        .testTarget(name: "HoistAPITests", dependencies: [
            "HoistAPI", "HoistEngine", "HoistAPIModels", "HoistCore", "HoistOCI",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "HoistDistributionTests", dependencies: ["HoistDistribution", "HoistOCI", "HoistCore"]),
        .testTarget(name: "HoistBuildTests", dependencies: ["HoistBuild", "HoistDockerfile", "HoistCore", "HoistArchive", "HoistOCI"]),
        .testTarget(name: "HoistNetworkTests", dependencies: ["HoistNetwork"]),
        .testTarget(name: "HoistCLITests", dependencies: ["HoistCLI", "HoistClient", "HoistAPIModels"]),
    ]
)
