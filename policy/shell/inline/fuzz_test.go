package inline

import (
	"strings"
	"testing"
)

var langs = []Lang{Python, JavaScript, Ruby, Perl, PHP, Awk}

// checkTokens is the oracle shared by the fuzz targets: tokens are
// contiguous, lie within the input and concatenate back to it; literal
// values and embedded code spans lie within their token.
func checkTokens(t *testing.T, lang Lang, src string, toks []Token) {
	t.Helper()
	pos := 0
	var b strings.Builder
	for _, tk := range toks {
		if tk.Start != pos || tk.End < tk.Start || tk.End > len(src) {
			t.Fatalf("%v %q: token %+v does not continue at %d", lang, src, tk, pos)
		}
		b.WriteString(src[tk.Start:tk.End])
		for _, sp := range tk.Code {
			if sp.Start < 0 || sp.End > len(src) || sp.Start > sp.End {
				t.Fatalf("%v %q: code span %+v outside the input", lang, src, sp)
			}
		}
		pos = tk.End
	}
	if pos != len(src) || b.String() != src {
		t.Fatalf("%v %q: tokens cover %d of %d bytes", lang, src, pos, len(src))
	}
}

func fuzzLang(f *testing.F, lang Lang, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		for _, script := range []bool{false, true} {
			var toks []Token
			var err error
			if script {
				toks, err = TokenizeScript(lang, src)
			} else {
				toks, err = Tokenize(lang, src)
			}
			if err == nil {
				checkTokens(t, lang, src, toks)
			}
			fa, aerr := analyze(lang, src, script, 0)
			if (err == nil) != (aerr == nil) {
				t.Fatalf("%v %q: Tokenize error %v, Analyze error %v", lang, src, err, aerr)
			}
			_ = fa
		}
		// A program that is only a string literal (quoted as the language
		// quotes data) does nothing.
		lit := quote(lang, src)
		if lit == "" {
			return
		}
		fl, err := Analyze(lang, lit)
		if err != nil {
			t.Fatalf("%v: literal %q does not tokenize: %v", lang, lit, err)
		}
		if n := len(fl.Reads) + len(fl.Writes) + len(fl.Deletes) + len(fl.URLs) + len(fl.Hosts) + len(fl.Shell) + len(fl.Argv) + len(fl.Obfuscated) + len(fl.Unknown); n != 0 {
			t.Fatalf("%v: a literal %q has facts %+v", lang, lit, fl)
		}
	})
}

// quote returns s as a single-quoted literal of lang (no interpolation),
// or "" when s cannot be written as one.
func quote(lang Lang, s string) string {
	if strings.ContainsAny(s, "'\\\n\r") {
		return ""
	}
	if lang == Awk {
		if strings.ContainsAny(s, "\"") {
			return ""
		}
		return `BEGIN { x = "` + s + `" }`
	}
	return "'" + s + "'"
}

var commonSeeds = []string{"", "print('rm -rf /')", "x = \"a\" + 'b'", "f\"{os.system('x')}\"", "`ls ${x}`", "#{a}", "/re/", "a / b / c",
	"s/a/b/e", "q{a{b}c}", "<<EOF\nbody\nEOF\n", "<<<EOT\nx\nEOT;", "<?php system('x'); ?>", "eval(atob('eA=='))", "\"unterminated", "/* c",
	"%x(ls)", "qx(ls)", "$ENV{HOME}", "@{[ system('id') ]}", "\"${\\ system('x') }\"", "{print $1 > \"f\"}", "\"cmd\" | getline",
	"(Path('x')).unlink()", "(a)(b).c", "((x)).y()", "Path.home() / 'a' / 'b'", "p = Path('~'); p.glob('*')", "f\"{Path.home()}/x{y}\"",
	"`${os.homedir()}/.x/${a}`", "\"#{Dir.home}/.ssh\"", "p = 1; p.x()", "Path('a').rglob('*').iterdir()"}

func FuzzPython(f *testing.F) {
	fuzzLang(f, Python, append(commonSeeds, "'''a'''", `r"\d"`, "rb'x'", "import os as o; o.system('x')", "from pathlib import Path; Path.home().joinpath('.bashrc').write_text('x')", "Path(a).joinpath().joinpath(b, c).unlink()", "open('/h/.bashrc','a').write('$PATH')")...)
}
func FuzzJavaScript(f *testing.F) {
	fuzzLang(f, JavaScript, append(commonSeeds, "// c\nx", "a = /x\\/y/g", "`a${`b${c}`}`",
		"import {rmSync as r} from 'node:fs'; r('x')", "await Bun.$`rm -rf ${process.env.HOME}`", "$`ls ${process.env['X']}`", "import * as fs from 'fs'")...)
}
func FuzzRuby(f *testing.F) {
	fuzzLang(f, Ruby, append(commonSeeds, "=begin\nx\n=end\n", "?a", ":sym", "<<~EOS\n  x\n  EOS\n")...)
}
func FuzzPerl(f *testing.F) {
	fuzzLang(f, Perl, append(commonSeeds, "=pod\nx\n=cut\n", "tr/a-z/A-Z/", "$x =~ m{a}x", "__END__\nrm")...)
}
func FuzzPHP(f *testing.F) {
	fuzzLang(f, PHP, append(commonSeeds, "<<<'EOT'\nx\nEOT\n", "\"{$a->b()}\"", "# c\n?>text")...)
}
func FuzzAwk(f *testing.F) {
	fuzzLang(f, Awk, append(commonSeeds, "$1 ~ /x/ {n++}", "BEGIN{FS=\",\"}",
		"BEGIN { while ((\"curl x\" | getline l) > 0) system(l) }", "BEGIN { \"c\" |& getline v; system(v) }", "BEGIN { \"c\" | getline; system($0) }")...)
}
