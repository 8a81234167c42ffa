import ArgumentParser

/// The flags `run` and `create` share (docker's ContainerOptions), kept as the strings the
/// user typed: values are checked in `ContainerConfigBuilder` so errors read as pflag's.
struct ContainerOptions: ParsableArguments {
    @Option(name: [.customShort("a"), .customLong("attach")], help: "Attach to STDIN, STDOUT or STDERR")
    var attach: [String] = []

    @Flag(name: .customLong("rm"), help: "Automatically remove the container when it exits")
    var autoRemove = false

    @Option(name: .customLong("name"), help: "Assign a name to the container")
    var name: String?

    @Option(name: [.customShort("e"), .customLong("env")], help: "Set environment variables")
    var env: [String] = []

    @Option(name: .customLong("env-file"), help: "Read in a file of environment variables")
    var envFile: [String] = []

    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory inside the container")
    var workdir: String?

    @Flag(name: [.customShort("i"), .customLong("interactive")], help: "Keep STDIN open even if not attached")
    var interactive = false

    @Flag(name: [.customShort("t"), .customLong("tty")], help: "Allocate a pseudo-TTY")
    var tty = false

    @Option(name: [.customShort("m"), .customLong("memory")], help: "Memory limit")
    var memory: String?

    @Option(name: .customLong("memory-swap"), help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    var memorySwap: String?

    @Option(name: .customLong("pids-limit"), parsing: .unconditional, help: "Tune container pids limit (set -1 for unlimited)")
    var pidsLimit: String?

    @Option(name: .customLong("cpus"), help: "Number of CPUs")
    var cpus: String?

    @Option(name: [.customShort("c"), .customLong("cpu-shares")], help: "CPU shares (relative weight)")
    var cpuShares: String?

    @Option(name: .customLong("entrypoint"), help: "Overwrite the default ENTRYPOINT of the image")
    var entrypoint: String?

    @Option(name: [.customShort("u"), .customLong("user")], help: "Username or UID (format: <name|uid>[:<group|gid>])")
    var user: String?

    @Option(name: [.customShort("h"), .customLong("hostname")], help: "Container host name")
    var hostname: String?

    @Option(name: .customLong("domainname"), help: "Container NIS domain name")
    var domainname: String?

    @Option(name: [.customShort("l"), .customLong("label")], help: "Set meta data on a container")
    var labels: [String] = []

    @Option(name: .customLong("label-file"), help: "Read in a line delimited file of labels")
    var labelFiles: [String] = []

    @Option(name: .customLong("cidfile"), help: "Write the container ID to the file")
    var cidFile: String?

    @Option(name: .customLong("ulimit"), help: "Ulimit options")
    var ulimits: [String] = []

    @Option(name: .customLong("restart"), help: "Restart policy to apply when a container exits")
    var restart: String?

    @Option(name: .customLong("stop-signal"), help: "Signal to stop the container")
    var stopSignal: String?

    @Option(name: .customLong("stop-timeout"), parsing: .unconditional, help: "Timeout (in seconds) to stop a container")
    var stopTimeout: String?

    @Flag(name: .customLong("privileged"), help: "Give extended privileges to this container")
    var privileged = false

    @Flag(name: .customLong("read-only"), help: "Mount the container's root filesystem as read only")
    var readOnly = false

    @Flag(name: .customLong("init"), help: "Run an init inside the container that forwards signals and reaps processes")
    var initProcess = false

    @Option(name: .customLong("cap-add"), help: "Add Linux capabilities")
    var capAdd: [String] = []

    @Option(name: .customLong("cap-drop"), help: "Drop Linux capabilities")
    var capDrop: [String] = []

    @Option(name: .customLong("security-opt"), help: "Security Options")
    var securityOpt: [String] = []

    @Option(name: .customLong("runtime"), help: "Runtime to use for this container")
    var runtime: String?

    @Option(name: [.customLong("network"), .customLong("net")], help: "Connect a container to a network")
    var network: String?

    @Option(name: [.customShort("p"), .customLong("publish")], help: "Publish a container's port(s) to the host")
    var publish: [String] = []

    @Flag(name: [.customShort("P"), .customLong("publish-all")], help: "Publish all exposed ports to random ports")
    var publishAll = false

    @Option(name: .customLong("expose"), help: "Expose a port or a range of ports")
    var expose: [String] = []

    @Option(name: [.customLong("network-alias"), .customLong("net-alias")], help: "Add network-scoped alias for the container")
    var networkAliases: [String] = []

    @Option(name: .customLong("ip"), help: "IPv4 address (e.g., 172.30.100.104)")
    var ip: String?

    @Option(name: .customLong("dns"), help: "Set custom DNS servers")
    var dns: [String] = []

    @Option(name: .customLong("dns-search"), help: "Set custom DNS search domains")
    var dnsSearch: [String] = []

    @Option(name: [.customLong("dns-option"), .customLong("dns-opt")], help: "Set DNS options")
    var dnsOptions: [String] = []

    @Option(name: .customLong("add-host"), help: "Add a custom host-to-IP mapping (host:ip)")
    var addHosts: [String] = []

    @Option(name: .customLong("link"), help: "Add link to another container")
    var links: [String] = []

    @Option(name: [.customShort("v"), .customLong("volume")], help: "Bind mount a volume")
    var volumes: [String] = []

    @Option(name: .customLong("mount"), help: "Attach a filesystem mount to the container")
    var mounts: [String] = []

    @Option(name: .customLong("tmpfs"), help: "Mount a tmpfs directory")
    var tmpfs: [String] = []

    @Option(name: .customLong("volumes-from"), help: "Mount volumes from the specified container(s)")
    var volumesFrom: [String] = []

    @Option(name: .customLong("log-driver"), help: "Logging driver for the container")
    var logDriver: String?

    @Option(name: .customLong("log-opt"), help: "Log driver options")
    var logOpts: [String] = []

    @Option(name: .customLong("pull"), help: "Pull image before running (\"always\", \"missing\", \"never\")")
    var pull: String = "missing"

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Suppress the pull output")
    var quiet = false

    @Option(name: .customLong("platform"), help: "Set platform if server is multi-platform capable")
    var platform: String?

    /// IMAGE [COMMAND] [ARG...]: everything after the image belongs to the container, flags included.
    @Argument(parsing: .captureForPassthrough, help: "IMAGE [COMMAND] [ARG...]")
    var imageAndCommand: [String] = []
}
