import HoistCore
import Testing
@testable import HoistDockerfile

func parse(_ text: String, file: String = "Dockerfile") throws -> Dockerfile {
    try DockerfileParser.parse(text, fileName: file)
}

/// The HoistError a parse throws, or nil when it succeeds.
func parseFailure(_ text: String, file: String = "Dockerfile") -> HoistError? {
    do {
        _ = try DockerfileParser.parse(text, fileName: file)
        return nil
    } catch let error as HoistError {
        return error
    } catch {
        Issue.record("unexpected error type \(error)")
        return nil
    }
}

func errorMessage(_ text: String) -> String? { parseFailure(text)?.message }

/// All instructions after the first FROM of a one-stage file.
func commands(_ text: String) throws -> [InstructionNode] {
    try #require(try parse(text).stages.first).commands
}

func command(_ text: String) throws -> InstructionNode {
    try #require(try commands(text).first)
}

extension InstructionNode {
    var run: RunInstruction? { if case .run(let v) = instruction { return v }; return nil }
    var cmd: CommandForm? { if case .cmd(let v) = instruction { return v }; return nil }
    var entrypoint: CommandForm? { if case .entrypoint(let v) = instruction { return v }; return nil }
    var env: EnvInstruction? { if case .env(let v) = instruction { return v }; return nil }
    var arg: ArgInstruction? { if case .arg(let v) = instruction { return v }; return nil }
    var label: LabelInstruction? { if case .label(let v) = instruction { return v }; return nil }
    var expose: ExposeInstruction? { if case .expose(let v) = instruction { return v }; return nil }
    var workdir: WorkdirInstruction? { if case .workdir(let v) = instruction { return v }; return nil }
    var copy: CopyInstruction? { if case .copy(let v) = instruction { return v }; return nil }
    var add: AddInstruction? { if case .add(let v) = instruction { return v }; return nil }
    var user: UserInstruction? { if case .user(let v) = instruction { return v }; return nil }
    var volume: VolumeInstruction? { if case .volume(let v) = instruction { return v }; return nil }
    var stopSignal: StopSignalInstruction? { if case .stopSignal(let v) = instruction { return v }; return nil }
    var healthcheck: HealthcheckInstruction? { if case .healthcheck(let v) = instruction { return v }; return nil }
    var shell: ShellInstruction? { if case .shell(let v) = instruction { return v }; return nil }
    var onbuild: OnbuildInstruction? { if case .onbuild(let v) = instruction { return v }; return nil }
    var maintainer: MaintainerInstruction? { if case .maintainer(let v) = instruction { return v }; return nil }
    var from: FromInstruction? { if case .from(let v) = instruction { return v }; return nil }
}

let second: Int64 = 1_000_000_000
