// `hoist`: the Docker-compatible CLI. Wiring only; everything lives in HoistCLI.
import HoistCLI

// Exits from the task that ran the command: code after this `await` would run on the main
// queue, which Dispatch serves by starting a thread first (traced: ~1 ms at the end of
// every command).
await HoistMain.runAndExit(CommandLine.arguments)
