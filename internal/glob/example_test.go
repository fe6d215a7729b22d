package glob_test

import (
	"fmt"

	"github.com/cavra-dev/cavra/internal/glob"
)

func Example() {
	env := glob.MustCompile("**/.env")
	fmt.Println(env.Match(".env"), env.Match("config/.env"), env.Match(".env.example"))

	tools := glob.MustCompile("mcp__github__*") // a tool name is one segment
	fmt.Println(tools.Match("mcp__github__create_issue"), tools.Match("mcp__gitlab__create_issue"))

	repos := glob.MustCompile("acme/*") // one level; "acme/**" would be any depth
	fmt.Println(repos.Match("acme/web"), repos.Match("acme/platform/api"))

	pems, _ := glob.CompilePath("*.pem") // a bare file name matches in any directory
	fmt.Println(pems.Match("certs/server.pem"))

	cmd, _ := glob.CompileCommand("terraform apply*") // not a file glob: * crosses spaces and slashes
	fmt.Println(cmd.Match("terraform apply -var-file=env/prod.tfvars"))
	// Output:
	// true true false
	// true false
	// true false
	// true
	// true
}
