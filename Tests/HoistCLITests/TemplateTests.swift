import Testing
import HoistClient
@testable import HoistCLI

@Suite struct TemplateTests {
    let inspect = try! JSONParser.parse("""
    {"Id":"4f66ad9a0b2e","Name":"/web","Path":"sh","Args":["-c","echo <hi> & bye"],
     "State":{"Status":"running","Running":true,"Pid":1234,"ExitCode":0,"Error":"","Health":null},
     "Config":{"Hostname":"h","Env":["A=1","B=two"],"Cmd":["sh","-c","x"],"Labels":{"k":"v","a":"b"},"Entrypoint":null,"Volumes":null},
     "HostConfig":{"Binds":null,"Memory":0},
     "NetworkSettings":{"Networks":{"bridge":{"IPAddress":"172.17.0.2"}}}}
    """)

    func run(_ t: String) throws -> String { try GoTemplate(parsing: t).execute(json: inspect) }

    @Test func fields() throws {
        #expect(try run("{{.Id}}") == "4f66ad9a0b2e")
        #expect(try run("{{.State.Status}} {{.State.Pid}}") == "running 1234")
        #expect(try run("{{.Config.Cmd}}") == "[sh -c x]")
        #expect(try run("{{.Config.Labels}}") == "map[a:b k:v]")
        #expect(try run("{{.NetworkSettings.Networks.bridge.IPAddress}}") == "172.17.0.2")
    }

    @Test func nilsPrintAsDockersTypedFields() throws {
        #expect(try run("{{.Config.Entrypoint}}|{{.HostConfig.Binds}}|{{.Config.Volumes}}|{{.State.Health}}") == "[]|[]|map[]|<nil>")
        // Absent but known fields print their zero value.
        #expect(try run("{{.Config.User}}|{{.Config.Tty}}|{{.Config.ExposedPorts}}") == "|false|map[]")
        #expect(try run("{{json .Config.Entrypoint}}") == "null")
    }

    @Test func unknownKeyIsAnError() {
        #expect(throws: TemplateError("template: :1:2: executing \"\" at <.Nope>: map has no entry for key \"Nope\"")) {
            try run("{{.Nope}}")
        }
    }

    @Test func jsonFunction() throws {
        #expect(try run("{{json .Config.Labels}}") == #"{"a":"b","k":"v"}"#)
        #expect(try run("{{json .Args}}") == #"["-c","echo <hi> & bye"]"#)
        #expect(try run("{{json .State.Running}}") == "true")
        #expect(try run("{{.Args | json}}") == #"["-c","echo <hi> & bye"]"#)
    }

    @Test func indexJoinSplit() throws {
        #expect(try run(#"{{index .Config.Labels "k"}}|{{index .Config.Labels "missing"}}|{{index .Args 1}}"#) == "v||echo <hi> & bye")
        #expect(try run(#"{{join .Config.Env ","}}"#) == "A=1,B=two")
        #expect(try run(#"{{split "a:b:c" ":"}}"#) == "[a b c]")
        #expect(try run(#"{{len .Args}} {{len .Config.Labels}} {{len "abc"}}"#) == "2 2 3")
    }

    @Test func rangeIfWithElse() throws {
        #expect(try run("{{range .Config.Env}}[{{.}}]{{end}}") == "[A=1][B=two]")
        #expect(try run("{{range $i, $e := .Args}}{{$i}}={{$e}};{{end}}") == "0=-c;1=echo <hi> & bye;")
        #expect(try run("{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}} {{end}}") == "a:b k:v ")
        #expect(try run("{{range .Config.Entrypoint}}x{{else}}none{{end}}") == "none")
        #expect(try run("{{if .State.Running}}up{{else}}down{{end}}") == "up")
        #expect(try run("{{if .Config.Entrypoint}}a{{else if .State.Running}}b{{else}}c{{end}}") == "b")
        #expect(try run("{{with .State}}{{.Status}}{{end}}|{{with .Config.Entrypoint}}x{{else}}y{{end}}") == "running|y")
        #expect(try run("{{range .Args}}{{if eq . \"-c\"}}{{continue}}{{end}}{{.}}{{end}}") == "echo <hi> & bye")
        #expect(try run("{{range .Config.Env}}{{.}}{{break}}{{end}}") == "A=1")
    }

    @Test func comparisonsAndLogic() throws {
        #expect(try run("{{eq .State.ExitCode 0}} {{ne .Name \"/x\"}} {{lt 1 2}} {{ge 2.5 2}} {{eq .Name \"/a\" \"/web\"}}") == "true true true true true")
        #expect(try run("{{and 1 0}} {{or 0 \"x\"}} {{not true}} {{and .State.Running .Config.Entrypoint}}") == "0 x false []")
    }

    @Test func printfAndStrings() throws {
        #expect(try run(#"{{printf "%s-%d-%5s|%-4d|%q|%v|%x" .Name .State.Pid "ab" 7 "q" .Args 255}}"#) == "/web-1234-   ab|7   |\"q\"|[-c echo <hi> & bye]|ff")
        #expect(try run(#"{{printf "%05d %.2f %t %%" 42 3.14159 true}}"#) == "00042 3.14 true %")
        #expect(try run(#"{{printf "%s"}}"#) == "%!s(MISSING)")
        #expect(try run(#"{{upper .Name}} {{lower "ABC"}} {{title "hello world"}} {{pad "x" 1 2}}| {{truncate "abcdef" 3}}"#) == "/WEB abc Hello World  x  | abc")
        #expect(try run(#"{{print 1 2 "a" 3}}{{println "z"}}"#) == "1 2a3z\n")
    }

    @Test func variablesAndTrimMarkers() throws {
        #expect(try run("{{$n := .Name}}{{$n}} {{$n = \"b\"}}{{$n}}") == "/web b")
        #expect(try run("a  {{- .Id -}}  b") == "a4f66ad9a0b2eb")
        #expect(try run("{{/* comment */}}x{{- /* c2 */ -}} y") == "xy")
        #expect(try run("{{(index .Args 0)}}{{len (index .Config.Env 1)}}") == "-c5")
        #expect(try run("{{$}}") != "")
    }

    @Test func parseErrors() {
        #expect(throws: TemplateError("template: :1: unclosed action")) { try GoTemplate(parsing: "{{.ID") }
        #expect(throws: TemplateError("template: :1: function \"nope\" not defined")) { try GoTemplate(parsing: "{{nope .ID}}") }
        #expect(throws: TemplateError.self) { try GoTemplate(parsing: "{{if .X}}a") }
        #expect(throws: TemplateError.self) { try GoTemplate(parsing: "{{end}}") }
    }
}
