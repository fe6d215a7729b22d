package secrets

import (
	"regexp"
	"strings"
	"testing"
)

// models are regular expressions written from the documented shapes, an
// implementation independent of Find's scanner; every occurrence they find
// must lie inside one of Find's matches.
var models = []*regexp.Regexp{
	regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])((?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{16})(?:$|[^A-Za-z0-9])`),
	regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])(gh[pousr]_[A-Za-z0-9]{30,})`),
	regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])(AIza[A-Za-z0-9_-]{35})(?:$|[^A-Za-z0-9_-])`),
	regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])(npm_[A-Za-z0-9]{36,})`),
	regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])(sk-ant-[A-Za-z0-9_-]{32,})`),
	regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{7,}\.eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{16,})`),
}

func checkMatches(t *testing.T, s string, ms []Match) {
	t.Helper()
	prev := 0
	for _, m := range ms {
		if m.Start < prev || m.End <= m.Start || m.End > len(s) || m.Kind == "" {
			t.Fatalf("Find(%q): bad or overlapping match %v after %d in %v", s, m, prev, ms)
		}
		prev = m.End
	}
}

func covered(ms []Match, start, end int) bool {
	for _, m := range ms {
		if m.Start <= start && end <= m.End {
			return true
		}
	}
	return false
}

// FuzzFind: Find never panics, its matches are in bounds, in order and
// disjoint, and every occurrence the regular-expression models find is
// inside a match.
func FuzzFind(f *testing.F) {
	for _, k := range knownTokens() {
		f.Add("x=" + k.token + " y")
	}
	for _, s := range []string{"", "password=", "https://a:b@c", "-----BEGIN ", "Authorization: Bearer", "--token x", "eyJ.eyJ."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms := Find(s)
		checkMatches(t, s, ms)
		for _, re := range models {
			for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
				a, b := loc[2], loc[3]
				if strings.Contains(s[a:b], "EXAMPLE") {
					continue
				}
				if !covered(ms, a, b) {
					t.Fatalf("Find(%q) = %v misses %q", s, ms, s[a:b])
				}
			}
		}
	})
}

// FuzzFindInserted: a known token put between spaces into any text is
// always inside a match, and when nothing else claims it, it is matched
// exactly with its kind.
func FuzzFindInserted(f *testing.F) {
	f.Add("curl -H 'X-Key:", "' https://example.com", uint8(0))
	f.Add("password=\"", "\"", uint8(3))
	f.Add("-----BEGIN OPENSSH PRIVATE KEY-----", "", uint8(19))
	f.Fuzz(func(t *testing.T, prefix, suffix string, which uint8) {
		tokens := knownTokens()
		k := tokens[int(which)%len(tokens)]
		s := prefix + " " + k.token + " " + suffix
		ms := Find(s)
		checkMatches(t, s, ms)
		p := len(prefix) + 1
		if !covered(ms, p, p+len(k.token)) {
			t.Fatalf("Find(%q) = %v misses the %s at %d", s, ms, k.kind, p)
		}
		// Only a quoted value or a PEM block can span the spaces around it.
		if want := (Match{k.kind, p, p + len(k.token)}); !strings.ContainsAny(prefix, "\"'-") && !contains(ms, want) {
			t.Fatalf("Find(%q) = %v, want the %s exactly at %d", s, ms, k.kind, p)
		}
	})
}

func contains(ms []Match, m Match) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// FuzzSecretEnvName: never panics, ignores case, and a name that is a
// secret stays one behind a prefix word (FOO_GITHUB_TOKEN).
func FuzzSecretEnvName(f *testing.F) {
	for _, s := range []string{"GITHUB_TOKEN", "PATH", "AWS_ACCESS_KEY_ID", "a__b", "__", "DATABASE_URL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := SecretEnvName(name)
		ascii := !strings.ContainsFunc(name, func(r rune) bool { return r >= 0x80 })
		if ascii && (SecretEnvName(strings.ToLower(name)) != got || SecretEnvName(strings.ToUpper(name)) != got) {
			t.Fatalf("SecretEnvName(%q) depends on case", name)
		}
		if got && !SecretEnvName("MY_"+name) && !strings.EqualFold(name, "GOOGLE_APPLICATION_CREDENTIALS") {
			t.Fatalf("SecretEnvName(%q) but not MY_%s", name, name)
		}
	})
}
