import Testing
@testable import HoistDistribution

@Suite struct ClientRegistryHostTests {
    @Test func loopbackIsPlainHTTP() {
        #expect(RegistryHost(domain: "127.0.0.1:5000").baseURL == "http://127.0.0.1:5000")
        #expect(RegistryHost(domain: "localhost:5000").plainHTTP)
        #expect(RegistryHost(domain: "127.3.2.1").plainHTTP)
        #expect(!RegistryHost(domain: "128.0.0.1:5000").plainHTTP)
        #expect(RegistryHost(domain: "docker.io").baseURL == "https://registry-1.docker.io")
        #expect(RegistryHost(domain: "reg.example:5000", insecureRegistries: ["reg.example:5000"]).plainHTTP)
    }
}
