package netaddr

import (
	"strconv"
	"strings"
)

// Targets returns the hosts a curl command line connects to, without
// repeats: first the hosts that options send connections to instead or on
// the way, then the URLs' hosts (every reading, see URLHosts, and every
// expansion of curl's {a,b} and [1-9] globs unless -g/--globoff is given).
// The options are:
//
//   - --resolve [+]host:port:addr[,addr]… — each addr, at that port;
//   - --connect-to host:port:connect-host:connect-port — connect-host;
//   - -x/--proxy, --preproxy, --proxy1.0, --socks4, --socks4a, --socks5,
//     --socks5-hostname — the proxy (port 1080 unless written, 443 for an
//     https:// proxy);
//   - --dns-servers addr[:port],… — each server (port 53), and --doh-url.
//
// args are curl's arguments without the program name. Options curl knows
// to take a value are skipped with it, so a header or a body is not read as
// a URL; an unknown option is assumed to take none, so its value, if any,
// counts as a URL. "--opt=value" is read too, though curl itself does not
// accept it. The package Caveats list what Targets cannot see.
func Targets(args []string) []Host {
	t := targets{}
	glob := true
	for _, a := range args {
		if a == "-g" || a == "--globoff" {
			glob = false
		}
	}
	var urls []string
	endOpts := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if endOpts || len(a) < 2 || a[0] != '-' {
			urls = append(urls, a)
			continue
		}
		if a == "--" {
			endOpts = true
			continue
		}
		next := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			if !valueOpts[name] {
				continue
			}
			if !hasVal {
				val = next()
			}
			if name == "url" {
				urls = append(urls, val)
			} else {
				t.option(name, val)
			}
			continue
		}
		for j := 1; j < len(a); j++ { // a cluster of short options: -sSLx proxy
			long, ok := shortValueOpts[a[j]]
			if !ok {
				continue
			}
			val := a[j+1:]
			if val == "" {
				val = next()
			}
			t.option(long, val)
			break
		}
	}
	for _, u := range urls {
		if !glob {
			t.url(u)
			continue
		}
		for _, e := range expandGlob(u) {
			t.url(e)
		}
	}
	return t.hosts
}

type targets struct {
	hosts []Host
	seen  map[string]bool
}

func (t *targets) add(h Host) {
	if h.Name == "" && !h.Addr.IsValid() {
		return
	}
	k := h.String()
	if t.seen[k] {
		return
	}
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	t.seen[k] = true
	t.hosts = append(t.hosts, h)
}

func (t *targets) url(u string) {
	for _, h := range URLHosts(u) {
		t.add(h)
	}
}

func (t *targets) option(name, val string) {
	switch name {
	case "proxy", "preproxy", "proxy1.0", "socks4", "socks4a", "socks5", "socks5-hostname":
		for _, h := range urlHosts(val, proxyPort) {
			t.add(h)
		}
	case "doh-url":
		t.url(val)
	case "dns-servers":
		for _, s := range strings.Split(val, ",") {
			if h := ParseHost(s); connectable(h) {
				if h.Port == "" {
					h.Port = "53"
				}
				t.add(h)
			}
		}
	case "resolve":
		if strings.HasPrefix(val, "-") {
			return // removes an entry
		}
		f := splitColons(strings.TrimPrefix(val, "+"), 3)
		if len(f) < 3 {
			return
		}
		for _, addr := range strings.Split(f[2], ",") {
			h := ParseHost(addr)
			if connectable(h) {
				h.Port = normPort(f[1])
				t.add(h)
			}
		}
	case "connect-to":
		f := splitColons(val, 4)
		if len(f) == 4 && f[2] != "" {
			h := ParseHost(f[2])
			if connectable(h) {
				h.Port = normPort(f[3])
				t.add(h)
			}
		}
	}
}

// proxyPort is curl's default proxy port.
func proxyPort(scheme, _ string) string {
	if scheme == "https" {
		return "443"
	}
	return "1080"
}

// splitColons splits s at colons outside brackets into at most n fields.
func splitColons(s string, n int) []string {
	var f []string
	depth, start := 0, 0
	for i := 0; i < len(s) && len(f) < n-1; i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth == 0 {
				f = append(f, s[start:i])
				start = i + 1
			}
		}
	}
	return append(f, s[start:])
}

// maxGlob bounds how many URLs one glob expands to.
const maxGlob = 1024

// expandGlob expands curl's URL globs: "{a,b,c}" sets and "[0-9]",
// "[a-z]", "[001-100]" and "[1-9:2]" ranges; "\" escapes a glob character,
// and "[" around something with a colon is an IPv6 literal. A malformed
// glob is kept as text (curl refuses the URL). Past maxGlob combinations,
// every alternative of every glob still appears once, but not every
// combination; past 4×maxGlob alternatives in all, the remaining globs
// are kept as text.
func expandGlob(u string) []string {
	if !strings.ContainsAny(u, "{[\\") {
		return []string{u}
	}
	var dims [][]string   // each glob's alternatives; literals are one-element dims
	budget := 4 * maxGlob // alternatives over all globs; later globs stay text
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			dims = append(dims, []string{lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == '\\' && i+1 < len(u) && strings.IndexByte("{}[],", u[i+1]) >= 0:
			lit.WriteByte(u[i+1])
			i++
		case c == '{':
			end := strings.IndexByte(u[i:], '}')
			if end < 0 || strings.ContainsAny(u[i+1:i+end], "{[") {
				lit.WriteByte(c)
				continue
			}
			alts := strings.Split(u[i+1:i+end], ",")
			if budget -= len(alts); budget < 0 {
				lit.WriteByte(c)
				continue
			}
			flush()
			dims = append(dims, alts)
			i += end
		case c == '[':
			end := strings.IndexByte(u[i:], ']')
			var alts []string
			if end > 0 {
				if _, v6 := parseIPv6(u[i+1 : i+end]); !v6 {
					alts = expandRange(u[i+1 : i+end])
				}
			}
			if budget -= len(alts); alts == nil || budget < 0 {
				lit.WriteByte(c)
				continue
			}
			flush()
			dims = append(dims, alts)
			i += end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	total := 1
	longest := 1
	for _, d := range dims {
		longest = max(longest, len(d))
		if total <= maxGlob {
			total *= len(d)
		}
	}
	var out []string
	if total <= maxGlob {
		idx := make([]int, len(dims))
		for {
			var b strings.Builder
			for k, d := range dims {
				b.WriteString(d[idx[k]])
			}
			out = append(out, b.String())
			k := len(dims) - 1
			for ; k >= 0; k-- {
				if idx[k]++; idx[k] < len(dims[k]) {
					break
				}
				idx[k] = 0
			}
			if k < 0 {
				return out
			}
		}
	}
	// Too many combinations: walk the diagonal, so each alternative of each
	// glob is in some URL.
	for n := 0; n < longest && n < maxGlob; n++ {
		var b strings.Builder
		for _, d := range dims {
			b.WriteString(d[n%len(d)])
		}
		out = append(out, b.String())
	}
	return out
}

// expandRange expands the inside of a "[...]" range, or returns nil when it
// is not one. Only the first maxGlob values are produced.
func expandRange(r string) []string {
	spec, stepText, hasStep := strings.Cut(r, ":")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 {
			return nil
		}
		step = n
	}
	lo, hi, ok := strings.Cut(spec, "-")
	if !ok || lo == "" || hi == "" {
		return nil
	}
	var out []string
	if len(lo) == 1 && len(hi) == 1 && isLetter(lo[0]) && isLetter(hi[0]) {
		if (lo[0] <= 'Z') != (hi[0] <= 'Z') || lo[0] > hi[0] {
			return nil
		}
		for c := int(lo[0]); c <= int(hi[0]) && len(out) < maxGlob; c += step {
			out = append(out, string(rune(c)))
		}
		return out
	}
	a, err1 := strconv.ParseUint(lo, 10, 32)
	b, err2 := strconv.ParseUint(hi, 10, 32)
	if err1 != nil || err2 != nil || a > b {
		return nil
	}
	width := 0
	if len(lo) > 1 && lo[0] == '0' {
		width = len(lo) // "[001-100]" keeps three digits
	}
	for n := a; n <= b && len(out) < maxGlob; n += uint64(step) {
		s := strconv.FormatUint(n, 10)
		for len(s) < width {
			s = "0" + s
		}
		out = append(out, s)
	}
	return out
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// valueOpts are curl's long options that take a value.
var valueOpts = setOf(`abstract-unix-socket alt-svc aws-sigv4 cacert capath cert cert-type ciphers
config connect-timeout connect-to continue-at cookie cookie-jar create-file-mode crlfile curves
data data-ascii data-binary data-raw data-urlencode delegation dns-interface dns-ipv4-addr
dns-ipv6-addr dns-servers doh-url dump-header ech egd-file engine etag-compare etag-save
expect100-timeout form form-string ftp-account ftp-alternative-to-user ftp-method ftp-port
ftp-ssl-ccc-mode happy-eyeballs-timeout-ms haproxy-clientip header help hostpubmd5 hostpubsha256
hsts interface ip-tos ipfs-gateway json keepalive-cnt keepalive-time key key-type krb libcurl
limit-rate local-port login-options mail-auth mail-from mail-rcpt max-filesize max-redirs max-time
netrc-file noproxy oauth2-bearer output output-dir parallel-max pass pinnedpubkey preproxy proto
proto-default proto-redir proxy proxy-cacert proxy-capath proxy-cert proxy-cert-type proxy-ciphers
proxy-crlfile proxy-header proxy-key proxy-key-type proxy-pass proxy-pinnedpubkey
proxy-service-name proxy-tls13-ciphers proxy-tlsauthtype proxy-tlspassword proxy-tlsuser
proxy-user proxy1.0 pubkey quote random-file range rate referer request request-target resolve
retry retry-delay retry-max-time sasl-authzid service-name socks4 socks4a socks5
socks5-gssapi-service socks5-hostname speed-limit speed-time ssl-sessions stderr telnet-option
time-cond tls-max tls13-ciphers tlsauthtype tlspassword tlsuser trace trace-ascii trace-config
unix-socket upload-file url url-query user user-agent variable vlan-priority write-out`)

// shortValueOpts are curl's short options that take a value, by long name.
var shortValueOpts = map[byte]string{
	'A': "user-agent", 'b': "cookie", 'c': "cookie-jar", 'C': "continue-at", 'd': "data",
	'D': "dump-header", 'e': "referer", 'E': "cert", 'F': "form", 'H': "header", 'K': "config",
	'm': "max-time", 'o': "output", 'P': "ftp-port", 'Q': "quote", 'r': "range", 't': "telnet-option",
	'T': "upload-file", 'u': "user", 'U': "proxy-user", 'w': "write-out", 'x': "proxy",
	'X': "request", 'y': "speed-time", 'Y': "speed-limit", 'z': "time-cond",
}

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
