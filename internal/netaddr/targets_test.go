package netaddr

import (
	"reflect"
	"strings"
	"testing"
)

func TestTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cmd  string
		want []string
	}{
		{"-s https://example.com/", []string{"example.com:443"}},
		{"--resolve example.com:443:169.254.169.254 https://example.com/",
			[]string{"169.254.169.254:443", "example.com:443"}},
		{"--resolve +example.com:443:[::1],10.0.0.1 https://example.com/",
			[]string{"[::1]:443", "10.0.0.1:443", "example.com:443"}},
		{"--resolve *:80:0x7f000001 http://a.com",
			[]string{"127.0.0.1:80", "a.com:80"}},
		{"--resolve -example.com:443 https://example.com/", []string{"example.com:443"}},
		{"--connect-to example.com:443:169.254.169.254:80 https://example.com/",
			[]string{"169.254.169.254:80", "example.com:443"}},
		{"--connect-to ::[fd00:ec2::254]:80 https://example.com/",
			[]string{"[fd00:ec2::254]:80", "example.com:443"}},
		{"--connect-to example.com:443::8443 https://example.com/", []string{"example.com:443"}},
		{"-x http://user:pw@proxy.corp:3128 https://example.com/",
			[]string{"proxy.corp:3128", "example.com:443"}},
		{"-x10.0.0.1 https://example.com/", []string{"10.0.0.1:1080", "example.com:443"}},
		{"-sSLx 127.0.0.1:8080 https://example.com/", []string{"127.0.0.1:8080", "example.com:443"}},
		{"--proxy https://proxy.example https://example.com/", []string{"proxy.example:443", "example.com:443"}},
		{"--preproxy socks5://10.1.1.1 --socks5-hostname localhost:9050 https://example.com/",
			[]string{"10.1.1.1:1080", "localhost:9050", "example.com:443"}},
		{"--dns-servers 10.0.0.2,[::1]:5353 https://example.com/",
			[]string{"10.0.0.2:53", "[::1]:5353", "example.com:443"}},
		{"--doh-url https://doh.example/dns-query https://example.com/",
			[]string{"doh.example:443", "example.com:443"}},
		{"-H Host:evil -d @body.json -o out -u a:b https://example.com/", []string{"example.com:443"}},
		{"--url http://169.254.169.254/ --url=http://10.0.0.1/",
			[]string{"169.254.169.254:80", "10.0.0.1:80"}},
		{"-- -notanoption.example", []string{"-notanoption.example:80"}},
		{"http://{good.com,169.254.169.254}/", []string{"good.com:80", "169.254.169.254:80"}},
		{"http://169.254.169.[253-254]/", []string{"169.254.169.253:80", "169.254.169.254:80"}},
		{"-g http://{good.com,169.254.169.254}/", []string{"{good.com,169.254.169.254}:80"}}, // a name no resolver has
		{"http://[::1]:8080/", []string{"[::1]:8080"}},
		{"http://host[1-2].internal/", []string{"host1.internal:80", "host2.internal:80"}},
		{"http://a.com/ http://a.com/x", []string{"a.com:80"}},
		{`http://evil.com\@good.com/`, []string{"evil.com:80", "good.com:80"}},
	}
	for _, tt := range tests {
		var got []string
		for _, h := range Targets(strings.Fields(tt.cmd)) {
			got = append(got, h.String())
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Targets(%s) = %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

func TestExpandGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"a{b,c}d", []string{"abd", "acd"}},
		{"[1-3]", []string{"1", "2", "3"}},
		{"[a-c]", []string{"a", "b", "c"}},
		{"[01-03]", []string{"01", "02", "03"}},
		{"[0-10:5]", []string{"0", "5", "10"}},
		{"[a-z:12]", []string{"a", "m", "y"}},
		{`\{a,b\}`, []string{"{a,b}"}},
		{"{a,b", []string{"{a,b"}},
		{"[z-a]", []string{"[z-a]"}},
		{"[::1]", []string{"[::1]"}},
		{"{x,y}{1,2}", []string{"x1", "x2", "y1", "y2"}},
	}
	for _, tt := range tests {
		if got := expandGlob(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("expandGlob(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Too many combinations: every alternative still appears.
	big := expandGlob("http://[0-999].{good.com,169.254.169.254}/[0-999]")
	if len(big) > maxGlob {
		t.Fatalf("%d expansions", len(big))
	}
	found := false
	for _, u := range big {
		if strings.Contains(u, "169.254.169.254") {
			found = true
		}
	}
	if !found {
		t.Errorf("the metadata alternative is lost in %d expansions", len(big))
	}
}
