package inline

import (
	"errors"
	"reflect"
	"testing"
)

func TestAnalyzeFacts(t *testing.T) {
	t.Parallel()
	type want struct {
		reads, writes, deletes, urls, env, shell []string
		argv                                     [][]string
		obf, unknown                             bool
	}
	tests := []struct {
		lang Lang
		code string
		want want
	}{
		// literals and comments are data
		{Python, `print('rm -rf /'); # os.system('x')`, want{}},
		{JavaScript, "console.log('curl | sh') // execSync('x')", want{}},
		{Ruby, `puts "FileUtils.rm_rf(\"/\")"`, want{}},
		{PHP, `echo "unlink(\"/etc/passwd\");";`, want{}},
		{Perl, `print "system('rm -rf ~')\n"`, want{}},
		{Awk, `BEGIN{print "system(rm -rf ~)"}`, want{}},
		{Python, `msg = 'curl https://x.example | sh'; print(len(msg))`, want{}},
		// calls are facts
		{Python, `import shutil as s; s.rmtree("build")`, want{deletes: []string{"build"}}},
		{Python, `from os import remove; remove('a.txt')`, want{deletes: []string{"a.txt"}}},
		{Python, `open('out/v.txt', 'w').write('1')`, want{writes: []string{"out/v.txt"}}},
		{Python, `import pathlib; pathlib.Path('~/.aws/credentials').expanduser().read_text()`, want{reads: []string{"~/.aws/credentials"}}},
		{Python, `import os; os.system('ls -la')`, want{shell: []string{"ls -la"}}},
		// path joins: pathlib's / operator, a parenthesised value's methods, interpolated strings
		{Python, `from pathlib import Path; (Path('build')).unlink()`, want{deletes: []string{"build"}}},
		{Python, `from pathlib import Path; print((Path.home()/'.ssh'/'id_rsa').read_text())`, want{reads: []string{"~/.ssh/id_rsa"}}},
		{Python, `from pathlib import Path; p = Path.home() / '.aws' / 'credentials'; print(p.read_text())`, want{reads: []string{"~/.aws/credentials"}}},
		{Python, `from pathlib import Path; print(list(Path('~/.ssh').expanduser().glob('*')))`, want{reads: []string{"~/.ssh/*"}}},
		{Python, `from pathlib import Path; print(open(f"{Path.home()}/.netrc").read())`, want{reads: []string{"~/.netrc"}}},
		{Python, `print(10 / 2)`, want{}},
		{JavaScript, "const os = require('os'); require('fs').readFileSync(`${os.homedir()}/.aws/credentials`)", want{reads: []string{"~/.aws/credentials"}}},
		{Python, `import subprocess; subprocess.run(['rm', '-rf', 'x'])`, want{argv: [][]string{{"rm", "-rf", "x"}}}},
		{Python, `__import__('os').system(''.join(['r','m',' -rf ~']))`, want{shell: []string{"rm -rf ~"}}},
		{Python, `import requests; requests.get('https://pypi.org/x')`, want{urls: []string{"https://pypi.org/x"}}},
		{Python, `import os; print(os.environ['AWS_SECRET_ACCESS_KEY'])`, want{env: []string{"AWS_SECRET_ACCESS_KEY"}}},
		{JavaScript, `const {execSync: run} = require('child_process'); run('make')`, want{shell: []string{"make"}}},
		{JavaScript, `require('fs').rmSync(require('os').homedir(), {recursive: true})`, want{deletes: []string{"~"}}},
		{JavaScript, `console.log(require('./package.json').version)`, want{reads: []string{"./package.json"}}},
		{JavaScript, `require('child_process').spawn('rm', ['-rf', 'dist'])`, want{argv: [][]string{{"rm", "-rf", "dist"}}}},
		{Ruby, `require "fileutils"; FileUtils.rm_rf(Dir.home)`, want{deletes: []string{"~"}}},
		{Ruby, "system('rm -rf ~/.ssh')", want{shell: []string{"rm -rf ~/.ssh"}}},
		{Ruby, "puts `whoami`", want{shell: []string{"whoami"}}},
		{Perl, `exec "rm", "-rf", $ENV{HOME}`, want{env: []string{"HOME"}, argv: [][]string{{"rm", "-rf", "$HOME"}}}},
		{Perl, `unlink glob("$ENV{HOME}/.aws/*")`, want{deletes: []string{"$HOME/.aws/*"}}},
		{Perl, `open(my $f, '>', 'out.txt')`, want{writes: []string{"out.txt"}}},
		{PHP, `array_map("unlink", glob("var/cache/*.php"));`, want{deletes: []string{"var/cache/*.php"}}},
		{PHP, `echo file_get_contents(".env");`, want{reads: []string{".env"}}},
		{Awk, `BEGIN{c="r" "m -rf " ENVIRON["HOME"]; system(c)}`, want{env: []string{"HOME"}, shell: []string{"rm -rf $HOME"}}},
		{Awk, `{print $1 > "out.txt"} END { "date" | getline d }`, want{writes: []string{"out.txt"}, shell: []string{"date"}}},
		{Python, `print(eval('2**10'))`, want{}},
		// obfuscation
		{Python, `exec(bytes.fromhex('7072696e74'))`, want{obf: true}},
		{Python, `getattr(__import__('o'+'s'), 'sys'+'tem')('id')`, want{obf: true}},
		{Python, `import codecs; exec(codecs.decode('cevag', 'rot13'))`, want{obf: true}},
		{JavaScript, `eval(atob('eA=='))`, want{obf: true}},
		{JavaScript, `fetch('https://x.example/p.js').then(r => r.text()).then(eval)`, want{urls: []string{"https://x.example/p.js"}, obf: true}},
		{JavaScript, `require('child_process')['ex'+'ecSync']('id')`, want{obf: true}},
		{Ruby, `eval(["7075"].pack("H*"))`, want{obf: true}},
		{Perl, `eval pack("H*", "7379")`, want{obf: true}},
		{PHP, `eval(base64_decode("eA=="));`, want{obf: true}},
		{Perl, `s/x/$y/ee`, want{obf: true}},
		// unknown
		{Python, `import os, sys; os.system(sys.argv[1])`, want{unknown: true}},
		{Python, `import os; os.kill(1, 9)`, want{unknown: true}},
		{Python, `import pty; pty.spawn('/bin/sh')`, want{shell: []string{"/bin/sh"}, unknown: true}},
	}
	for _, tt := range tests {
		f, err := Analyze(tt.lang, tt.code)
		if err != nil {
			t.Errorf("%v %q: %v", tt.lang, tt.code, err)
			continue
		}
		got := want{reads: f.Reads, writes: f.Writes, deletes: f.Deletes, urls: f.URLs, env: f.Env, shell: f.Shell, argv: f.Argv,
			obf: len(f.Obfuscated) > 0, unknown: len(f.Unknown) > 0}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v %q:\n got %+v\nwant %+v (%q %q)", tt.lang, tt.code, got, tt.want, f.Obfuscated, f.Unknown)
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lang Lang
		code string
	}{
		{Python, `print('unterminated)`},
		{Python, `"""never closed`},
		{JavaScript, "`a${b"},
		{JavaScript, "/* open"},
		{Ruby, "<<~EOS\nno end\n"},
		{Perl, `q{a`},
		{PHP, "<<<EOT\nx\n"},
		{Awk, `BEGIN { print "x }`},
	} {
		if _, err := Analyze(tt.lang, tt.code); !errors.Is(err, ErrLex) {
			t.Errorf("%v %q: err = %v, want ErrLex", tt.lang, tt.code, err)
		}
	}
}

func TestPHPScript(t *testing.T) {
	t.Parallel()
	f, err := AnalyzeScript(PHP, "system('rm -rf ~') is text\n<?php echo 1; ?> more text")
	if err != nil || len(f.Shell) != 0 {
		t.Fatalf("got %+v, %v", f, err)
	}
	f, err = AnalyzeScript(PHP, "<?php system('make'); ?>")
	if err != nil || !reflect.DeepEqual(f.Shell, []string{"make"}) {
		t.Fatalf("got %+v, %v", f, err)
	}
}

func TestJoinpathIsAPath(t *testing.T) {
	t.Parallel()
	f, err := Analyze(Python, "from pathlib import Path; Path.home().joinpath('.bashrc').write_text('x')")
	if err != nil || len(f.Writes) != 1 || f.Writes[0] != "~/.bashrc" {
		t.Fatalf("got %+v, %v; want a write of ~/.bashrc", f, err)
	}
}
