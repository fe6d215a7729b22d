package netaddr

import "strings"

// URLHost returns the host raw's URL connects to, with the scheme's default
// port when none is written. ok is false when raw has no host, or when
// clients disagree on it ("http://evil.com\@good.com/"): a caller that must
// not miss a host uses URLHosts.
func URLHost(raw string) (h Host, ok bool) {
	hs := URLHosts(raw)
	if len(hs) != 1 {
		return Host{}, false
	}
	return hs[0], true
}

// URLHosts returns every host a common client would connect to for raw:
// the WHATWG reading first (browsers, Node), then the RFC 3986 reading
// (curl, Python, Go) when it differs. The package documentation lists the
// differences. A URL no client can connect with gives none.
func URLHosts(raw string) []Host {
	return urlHosts(raw, defaultPort)
}

func urlHosts(raw string, port func(scheme, host string) string) []Host {
	var out []Host
	if h, ok := whatwgHost(raw, port); ok {
		out = append(out, h)
	}
	if h, ok := rfcHost(raw, port); ok && (len(out) == 0 || !sameHost(out[0], h)) {
		out = append(out, h)
	}
	return out
}

// special are the WHATWG URL Standard's special schemes with a network
// host; for them "\" is "/" and any run of slashes may follow the colon.
var special = map[string]bool{"http": true, "https": true, "ws": true, "wss": true, "ftp": true}

func whatwgHost(raw string, port func(scheme, host string) string) (Host, bool) {
	s := trimASCIISpace(raw)
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	scheme, rest, ok := cutScheme(s)
	if !ok || !special[scheme] {
		return Host{}, false // other schemes are read the RFC 3986 way by everyone
	}
	rest = strings.TrimLeft(rest, `/\`)
	if i := strings.IndexAny(rest, `/\?#`); i >= 0 {
		rest = rest[:i]
	}
	return authorityHost(rest, scheme, port)
}

func rfcHost(raw string, port func(scheme, host string) string) (Host, bool) {
	s := trimASCIISpace(raw)
	scheme, rest, ok := cutScheme(s)
	if ok {
		slashes := len(rest) - len(strings.TrimLeft(rest, "/"))
		switch {
		case slashes == 0:
			// "localhost:8080" and "host:80/x" are scheme-less to curl.
			ok = false
		case schemePorts[scheme] != "" && slashes <= 3:
			rest = rest[slashes:] // curl takes one to three slashes
		case slashes >= 2:
			rest = rest[2:] // "file:///x" and "unix:///x" have an empty host
		default:
			return Host{}, false
		}
	}
	if !ok {
		scheme, rest = "", s // curl guesses the scheme from the host
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return authorityHost(rest, scheme, port)
}

// cutScheme splits "scheme:rest", lower-casing the scheme.
func cutScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", s, false
		}
	}
	return "", s, false
}

func authorityHost(auth, scheme string, port func(scheme, host string) string) (Host, bool) {
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		auth = auth[i+1:]
	}
	h := parseHostPort(auth)
	if !connectable(h) {
		return Host{}, false
	}
	if h.Port == "" {
		h.Port = port(scheme, h.Name)
	}
	return h, true
}

// connectable reports whether a client would try to connect to h: an
// address or a name without the WHATWG forbidden host code points, and a
// port that is a number up to 65535.
func connectable(h Host) bool {
	if !h.Addr.IsValid() {
		if h.Name == "" {
			return false
		}
		for i := 0; i < len(h.Name); i++ {
			if c := h.Name[i]; c <= ' ' || c == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0 {
				return false
			}
		}
	}
	if h.Port == "" {
		return true
	}
	if len(h.Port) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(h.Port); i++ {
		c := h.Port[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

func sameHost(a, b Host) bool {
	if a.Port != b.Port || a.Addr.IsValid() != b.Addr.IsValid() {
		return false
	}
	if a.Addr.IsValid() {
		return a.Addr == b.Addr
	}
	return a.Name == b.Name
}

// schemePorts are curl's default ports (docs/URL-SYNTAX.md), plus WebSocket
// and the proxy schemes.
var schemePorts = map[string]string{
	"dict": "2628", "ftp": "21", "ftps": "990", "gopher": "70", "gophers": "70",
	"http": "80", "https": "443", "imap": "143", "imaps": "993", "ldap": "389", "ldaps": "636",
	"mqtt": "1883", "pop3": "110", "pop3s": "995", "rtmp": "1935", "rtmps": "443", "rtmpt": "80",
	"rtsp": "554", "scp": "22", "sftp": "22", "smb": "445", "smbs": "445", "smtp": "25",
	"smtps": "465", "telnet": "23", "tftp": "69", "ws": "80", "wss": "443",
	"ssh": "22", "socks": "1080", "socks4": "1080", "socks4a": "1080", "socks5": "1080", "socks5h": "1080",
}

// defaultPort is the port a URL without one uses; without a scheme, curl
// guesses the protocol from the host's first label.
func defaultPort(scheme, host string) string {
	if scheme == "" {
		scheme = "http"
		if first, _, ok := strings.Cut(host, "."); ok {
			switch first {
			case "ftp", "dict", "ldap", "imap", "smtp", "pop3":
				scheme = first
			}
		}
	}
	return schemePorts[scheme]
}
