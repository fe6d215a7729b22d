package main

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := strings.Join([]string{
		"# Title", // 1
		"",
		"```sh",
		"cavra evaluate read_file .env   # block, exit 4",
		"#   block: … (a comment line: not run)",
		"cd sub && x='a # not a comment' # exit 3",
		"",
		"cavra evaluate \\",
		"  read_file README.md",
		"cat > tools.json <<'EOF'   # exit 0",
		"{\"tools\": []}",
		"EOF",
		"echo '<<NOTADOC' \"${#x}\"",
		"```",
		"",
		"```yaml",
		"a: 1",
		"```",
		"<!-- readme: skip (needs a network) -->",
		"```sh",
		"npm install",
		"```",
		"```console",
		"$ cavra version",
		"cavra (devel)",
		"$ echo 'two",
		"> lines'",
		"two",
		"```",
	}, "\n")
	blocks, err := Parse("README.md", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 {
		t.Fatalf("got %d blocks, want 3: %+v", len(blocks), blocks)
	}
	type want struct {
		line, status int
		text         string
	}
	check := func(b Block, ws []want) {
		t.Helper()
		if len(b.Steps) != len(ws) {
			t.Fatalf("block at %d: %d steps, want %d: %+v", b.Line, len(b.Steps), len(ws), b.Steps)
		}
		for i, w := range ws {
			s := b.Steps[i]
			if s.Line != w.line || s.Want != w.status || s.Text != w.text {
				t.Errorf("step %d = %d %d %q, want %d %d %q", i, s.Line, s.Want, s.Text, w.line, w.status, w.text)
			}
		}
	}
	check(blocks[0], []want{
		{4, 4, "cavra evaluate read_file .env   # block, exit 4"},
		{6, 3, "cd sub && x='a # not a comment' # exit 3"},
		{8, 0, "cavra evaluate \\\n  read_file README.md"},
		{10, 0, "cat > tools.json <<'EOF'   # exit 0\n{\"tools\": []}\nEOF"},
		{13, 0, "echo '<<NOTADOC' \"${#x}\""},
	})
	if blocks[1].Skip != "(needs a network)" || blocks[1].Line != 20 {
		t.Errorf("skipped block = %+v", blocks[1])
	}
	check(blocks[2], []want{{24, 0, "cavra version"}, {26, 0, "echo 'two\nlines'"}})
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ name, src, msg string }{
		{"empty block", "```sh\n```\n", "without a command"},
		{"only comments", "```sh\n# cavra version\n\n```\n", "without a command"},
		{"exit on a comment line", "```sh\ncavra x\n#  (exit 3)\n```\n", "comment line"},
		{"two statuses", "```sh\ncavra x # exit 3 or exit 4\n```\n", "two exit statuses"},
		{"skip without reason", "<!-- readme: skip -->\n```sh\nx\n```\n", "reason is required"},
		{"unknown directive", "<!-- readme: norun x -->\n```sh\nx\n```\n", "unknown readme directive"},
		{"skip on nothing", "<!-- readme: skip why -->\ntext\n```sh\nx\n```\n", "not followed by a fenced block"},
		{"skip at the end", "```sh\nx\n```\n<!-- readme: skip why -->\n", "not followed by a fenced block"},
		{"skip on yaml", "<!-- readme: skip why -->\n```yaml\na: 1\n```\n", "not run anyway"},
		{"info after language", "```sh norun\nx\n```\n", "after the fence's language"},
		{"unclosed fence", "```sh\nx\n", "never closed"},
		{"unterminated heredoc", "```sh\ncat <<EOF\nx\n```\n", "here-document"},
		{"dangling backslash", "```sh\nx \\\n```\n", "backslash"},
		{"open quote", "```sh\necho 'x\n```\n", "unclosed quote"},
		{"console continuation", "```console\n$ echo \\\nx\n```\n", "continuation lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("R.md", tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want one saying %q", err, tc.msg)
			}
		})
	}
}
