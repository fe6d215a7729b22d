package shell_test

import (
	"fmt"

	"github.com/cavra-dev/cavra/policy/shell"
)

func ExampleAnalyze() {
	an, err := shell.Analyze(`cd infra && sudo -u ops bash -c 'terraform apply -auto-approve' | tee log`, shell.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(an.Line)
	for _, c := range an.Commands {
		fmt.Printf("%q via %q\n", c.Text, c.Via)
	}
	// Output:
	// cd infra && sudo -u ops bash -c terraform apply -auto-approve | tee log
	// "cd infra" via []
	// "terraform apply -auto-approve" via ["sudo" "bash -c"]
	// "tee log" via []
}
