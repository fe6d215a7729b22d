package shell

import "testing"

func BenchmarkAnalyze(b *testing.B) {
	cases := []struct{ name, line string }{
		{"simple", "terraform plan"},
		{"three-commands", "cd infra && terraform init && terraform apply -auto-approve"},
		{"wrappers", "sudo -u root env A=1 timeout 10 bash -c 'rm -rf /tmp/x && echo done'"},
		{"substitutions", `find . -name '*.go' -exec grep -l "$(cat pattern)" {} \; | xargs rm -f`},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Analyze(bc.line, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
