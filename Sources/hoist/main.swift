// `hoist`: the Docker-compatible CLI. Wiring only; everything lives in HoistCLI.
import HoistCLI
#if canImport(Glibc)
import Glibc
#endif

exit(await HoistMain.run(CommandLine.arguments))
