package shell

import (
	"reflect"
	"testing"
)

// TestDeleteTargets checks what delete targets become by bash's rules:
// parameter operators of known variables, HOME and PWD, dirname and
// basename, for loops, parameters that may be empty, rsync --delete.
func TestDeleteTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want [][]string // Deletes of each command that deletes, in order
	}{
		{`rm -rf ${HOME:?}/`, [][]string{{"/h/u/"}}},
		{`rm -rf "${HOME-x}/proj/build"`, [][]string{{"/h/u/proj/build"}}},
		{`X=a; rm -rf "${X:-b}" "${X+c}" "${X:?}"`, [][]string{{"a", "c", "a"}}},
		{`X=; rm -rf "${X:-b}" "${X-b}x"`, [][]string{{"b", "x"}}},
		{`HOME=/tmp/h; rm -rf ${HOME:?}/`, [][]string{{"/tmp/h/"}}},
		{`rm -rf -- "$(dirname "$PWD")"`, [][]string{{"/h/u"}}},
		{`rm -rf "$(basename "$PWD" ject)"`, [][]string{{"pro"}}},
		{`rm -rf "$(echo L2hvbWUvZGV2 | base64 -d)"`, [][]string{{"/home/dev"}}},
		{`for d in /h/u/* build; do rm -rf "$d"; done`, [][]string{{"/h/u/*"}, {"build"}}},
		{`for d in {a,b}; do rm -rf "$d"; done`, [][]string{{"a"}, {"b"}}},
		{`for d in "$@"; do rm -rf "$d"; done`, [][]string{{"$d"}}},
		{`rm -rf $PREFIX/`, [][]string{{"$PREFIX/", "/"}}},
		{`rm -rf "$X"/ "$X/$Y"`, [][]string{{"$X/", "/", "$X/$Y", "/"}}},
		{`rm -rf "${X:?}"/* "${X:-build}"/`, [][]string{{"${X:?}/*", "${X:-build}/"}}},
		{`rm -rf $BUILD_DIR "$X/build"`, [][]string{{"$BUILD_DIR", "$X/build"}}},
		{`rsync -a --delete /tmp/empty/ ~/`, [][]string{{"~/"}}},
		{`rsync -a --delete-after src/ out/`, [][]string{{"out/"}}},
		{`rsync -a src/ out/`, nil},
		{`rsync -a --delete ./site/ deploy@web1:/var/www/`, nil},
	}
	for _, tt := range tests {
		an, err := Analyze(tt.in, Options{Dir: "/h/u/project", Home: "/h/u"})
		if err != nil {
			t.Fatalf("Analyze(%q): %v", tt.in, err)
		}
		var got [][]string
		for _, c := range an.Commands {
			if len(c.Deletes) > 0 {
				got = append(got, c.Deletes)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Analyze(%q) deletes = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAltDir checks where a command runs when an earlier cd failed.
func TestAltDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string // AltDir of each command
	}{
		{"cd build; rm -rf *", []string{"", "/p"}},
		{"cd build && rm -rf *", []string{"", ""}},
		{"cd build && make; rm -rf *", []string{"", "", "/p"}},
		{"cd build || exit 1; rm -rf ./*", []string{"", "", ""}},
		{"cd build || { echo no; exit 1; }; rm -rf ./*", []string{"", "", "", ""}},
		{"set -e; cd build; rm -rf *", []string{"", "", ""}},
		{"(cd build); rm -rf *", []string{"", ""}},
		{"cd /p; rm -rf *", []string{"", ""}},
	}
	for _, tt := range tests {
		an, err := Analyze(tt.in, Options{Dir: "/p", Home: "/h"})
		if err != nil {
			t.Fatalf("Analyze(%q): %v", tt.in, err)
		}
		var got []string
		for _, c := range an.Commands {
			got = append(got, c.AltDir)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Analyze(%q) alt dirs = %q, want %q", tt.in, got, tt.want)
		}
	}
}
