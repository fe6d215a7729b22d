package netaddr

import (
	"reflect"
	"testing"
)

func TestURLHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want string // Host.String(), "" for no single host
	}{
		{"http://example.com/", "example.com:80"},
		{"HTTPS://Example.COM./x", "example.com:443"},
		{"https://example.com:8443/x", "example.com:8443"},
		{"http://good.com@169.254.169.254/", "169.254.169.254:80"},
		{"http://user:pw@good.com:x@169.254.169.254/", "169.254.169.254:80"},
		{"http://169.254.169.254#@good.com/", "169.254.169.254:80"},
		{"http://169.254.169.254?@good.com/", "169.254.169.254:80"},
		{"http://0xa9fea9fe/latest", "169.254.169.254:80"},
		{"http://[::ffff:a9fe:a9fe]/", "169.254.169.254:80"},
		{"http://%31%36%39.254.169.254/", "169.254.169.254:80"},
		{"http://[fe80::1%25eth0]:8080/", "[fe80::1%25eth0]:8080"},
		{"169.254.169.254/latest/meta-data", "169.254.169.254:80"},
		{"localhost:8080", "localhost:8080"},
		{"ftp.example.com/file", "ftp.example.com:21"},
		{"//example.com/x", ""}, // no scheme and an empty authority for curl; WHATWG needs a base
		{"http:/example.com", "example.com:80"},
		{"http:///example.com", "example.com:80"},
		{"http:example.com", "example.com:80"},     // WHATWG only; curl reads host "http", port "example.com"
		{"http:////example.com", "example.com:80"}, // WHATWG only
		{"http://exa\tmple.com/", "example.com:80"},
		{"http://example.com:99999/", ""},
		{"http://example.com:8o/", ""},
		{"http://exa mple.com/", ""},
		{"http:///", ""},
		{"file:///etc/passwd", ""},
		{"unix:///var/run/docker.sock", ""},
		{"file://fileserver/share", "fileserver"},
		{"ssh://git@github.com:22/x", "github.com:22"},
		{"postgres://u:p@db.internal:5432/app", "db.internal:5432"},
		{"redis://10.0.0.5", "10.0.0.5"},
		{"ws://127.0.0.1:9229/", "127.0.0.1:9229"},
		{"mailto:someone@example.com", "example.com:80"}, // curl guesses: user "mailto:someone"
		{"http://evil.com\\@good.com/", ""},              // disagreement
		{"http://evil.com\\.good.com/", "evil.com:80"},   // the RFC reading's host has a "\": no client connects
		{"", ""},
	}
	for _, tt := range tests {
		h, ok := URLHost(tt.raw)
		got := ""
		if ok {
			got = h.String()
		}
		if got != tt.want {
			t.Errorf("URLHost(%q) = %q, %v; want %q", tt.raw, got, ok, tt.want)
		}
	}
}

func TestURLHostsDisagreement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want []string
	}{
		{`http://evil.com\@good.com/`, []string{"evil.com:80", "good.com:80"}},
		{`https://169.254.169.254\@allowed.example/`, []string{"169.254.169.254:443", "allowed.example:443"}},
		{`http:\\evil.com\x`, []string{"evil.com:80"}},
		{`ssh://evil.com\@good.com/`, []string{"good.com:22"}}, // not a special scheme: "\" is a character everywhere
	}
	for _, tt := range tests {
		var got []string
		for _, h := range URLHosts(tt.raw) {
			got = append(got, h.String())
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("URLHosts(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
