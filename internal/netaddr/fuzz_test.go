package netaddr

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// encodeIPv4 writes a in one of the encodings resolvers and URL parsers
// accept, chosen by the bits of sel. It is an encoder written from the
// formats' definitions, independent of the parser. inURL reports whether
// the result may stand as a URL host.
func encodeIPv4(a uint32, sel uint64) (s string, inURL bool) {
	bits := func(n uint) uint64 { v := sel & (1<<n - 1); sel >>= n; return v }
	part := func(v uint64) string {
		switch bits(2) {
		case 0:
			return fmt.Sprintf("%d", v)
		case 1: // octal, with one to four leading zeros
			return strings.Repeat("0", 1+int(bits(2))) + fmt.Sprintf("%o", v)
		case 2:
			x := "0x"
			if bits(1) == 1 {
				x = "0X"
			}
			digits := fmt.Sprintf("%x", v)
			if bits(1) == 1 {
				digits = strings.ToUpper(digits)
			}
			return x + strings.Repeat("0", int(bits(2))) + digits
		default:
			return fmt.Sprintf("%d", v)
		}
	}
	b := [4]uint64{uint64(a >> 24), uint64(a >> 16 & 0xff), uint64(a >> 8 & 0xff), uint64(a & 0xff)}
	v4 := func() string {
		var parts []string
		switch bits(2) {
		case 0: // a.b.c.d
			parts = []string{part(b[0]), part(b[1]), part(b[2]), part(b[3])}
		case 1: // a.b.c, c of 16 bits
			parts = []string{part(b[0]), part(b[1]), part(b[2]<<8 | b[3])}
		case 2: // a.b, b of 24 bits
			parts = []string{part(b[0]), part(b[1]<<16 | b[2]<<8 | b[3])}
		case 3: // one 32-bit number
			parts = []string{part(uint64(a))}
		}
		s := strings.Join(parts, ".")
		if bits(1) == 1 {
			s += "."
		}
		return s
	}
	hex32 := func() string {
		s := fmt.Sprintf("%x:%x", a>>16, a&0xffff)
		if bits(1) == 1 {
			s = strings.ToUpper(s)
		}
		return s
	}
	dotted := netip.AddrFrom4([4]byte{byte(b[0]), byte(b[1]), byte(b[2]), byte(b[3])}).String()
	switch bits(3) {
	case 0: // IPv4-mapped
		if bits(1) == 1 {
			return "[::ffff:" + dotted + "]", true
		}
		return "[::ffff:" + hex32() + "]", true
	case 1: // IPv4-compatible; :: and ::1 mean themselves
		if a <= 1 {
			return dotted, true
		}
		return "[::" + dotted + "]", true
	case 2: // NAT64
		return "[64:ff9b::" + hex32() + "]", true
	case 3: // 6to4, any subnet and interface
		return fmt.Sprintf("[2002:%s:%x::%x]", hex32(), bits(16), bits(16)), true
	case 4: // percent-encode some characters of an IPv4 form
		s := v4()
		var out strings.Builder
		for i := 0; i < len(s); i++ {
			if bits(1) == 1 {
				fmt.Fprintf(&out, "%%%02X", s[i])
			} else {
				out.WriteByte(s[i])
			}
		}
		return out.String(), true
	case 5: // fullwidth digits and dots for some characters
		var out strings.Builder
		for _, r := range v4() {
			switch {
			case r == '.' && bits(1) == 1:
				out.WriteRune('。')
			case r < 0x7f && r > ' ' && bits(1) == 1:
				out.WriteRune(r + 0xfee0)
			default:
				out.WriteRune(r)
			}
		}
		return out.String(), true
	case 6: // bare IPv6, not valid in a URL
		return "::ffff:" + hex32(), false
	}
	return v4(), true
}

// FuzzIPv4Encodings: every encoding of every IPv4 address parses back to
// it, as a host, with a port and userinfo, and inside a URL.
func FuzzIPv4Encodings(f *testing.F) {
	f.Add(uint32(0xa9fea9fe), uint64(0))
	f.Add(uint32(0x7f000001), uint64(0xffffffffffffffff))
	f.Add(uint32(0), uint64(12345))
	f.Add(uint32(0xffffffff), uint64(1<<62))
	f.Fuzz(func(t *testing.T, a uint32, sel uint64) {
		want := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		enc, inURL := encodeIPv4(a, sel)
		if h := ParseHost(enc); h.Addr != want {
			t.Fatalf("ParseHost(%q).Addr = %v, want %v", enc, h.Addr, want)
		}
		if !inURL {
			return // a bare IPv6 address cannot take a port
		}
		if h := ParseHost("u:p@" + enc + ":8080"); h.Addr != want || h.Port != "8080" {
			t.Fatalf("ParseHost(u:p@%s:8080) = %#v, want %v", enc, h, want)
		}
		u := "http://good.example@" + enc + ":80/latest"
		h, ok := URLHost(u)
		if !ok || h.Addr != want || h.Port != "80" {
			t.Fatalf("URLHost(%q) = %#v, %v; want %v", u, h, ok, want)
		}
		if Classify(h) != ClassifyAddr(want) {
			t.Fatalf("Classify(%q) = %v, ClassifyAddr(%v) = %v", enc, Classify(h), want, ClassifyAddr(want))
		}
	})
}

// FuzzParseHost: ParseHost never panics, its String parses back to the same
// host, and the class of a host is the class of its canonical string.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{
		"example.com", "169.254.169.254:80", "[::ffff:a9fe:a9fe]", "a@b@c", "0x7f.1", "%31.2.3.4",
		"[fe80::1%25eth0]:8080", "１２７。０。０。１", "[x]:1:2", "::", "a%2fb", "localhost.", "%", "[",
		"10-0-0-1.nip.io", "host:", "\xff\xfe", "0.0.0.0", "metadata.google.internal",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := ParseHost(s)
		back := ParseHost(h.String())
		if back.Addr != h.Addr || back.Port != h.Port || !h.Addr.IsValid() && back.Name != h.Name {
			t.Fatalf("ParseHost(%q) = %#v; its String %q parses to %#v", s, h, h.String(), back)
		}
		if c, cb := Classify(h), Classify(back); c != cb {
			t.Fatalf("Classify(ParseHost(%q)) = %v, of its String %q = %v", s, c, h.String(), cb)
		}
		if h.Addr.IsValid() && Classify(h) != ClassifyAddr(h.Addr) {
			t.Fatalf("Classify and ClassifyAddr disagree on %q", s)
		}
		if c := Classify(h); h.Name != "" && (c == 0 || c.Has(Public) && c != Public) {
			t.Fatalf("Classify(%q) = %v: Public must stand alone", s, c)
		}
	})
}

// FuzzURLHost checks URL reading against net/url on the URLs where every
// client agrees (RFC 3986 syntax, no backslash, no control characters):
// the host net/url finds must be the one URLHost returns.
func FuzzURLHost(f *testing.F) {
	for _, s := range []string{
		"http://example.com/", "https://u:p@169.254.169.254:443/x", "http://[::1]:80/", "http://a@b@c/",
		"http://0xa9fea9fe", "https://EXAMPLE.com./", "http://[fe80::1%25eth0]/", "ftp://ftp.x/y?z#w",
		`http://evil.com\@good.com/`, "http:evil.com", "169.254.169.254/latest",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		hosts := URLHosts(raw)
		if len(hosts) > 2 {
			t.Fatalf("URLHosts(%q) = %v", raw, hosts)
		}
		for _, h := range hosts {
			if !connectable(h) || h.Port == "" && strings.HasPrefix(strings.ToLower(raw), "http") {
				t.Fatalf("URLHosts(%q) returned %#v", raw, h)
			}
		}
		if !utf8.ValidString(raw) || strings.ContainsAny(raw, "\\") || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
			return
		}
		if rest := raw[len(u.Scheme)+1:]; !strings.HasPrefix(rest, "//") || strings.HasPrefix(rest, "///") {
			return
		}
		want := ParseHost(u.Host)
		if !connectable(want) {
			return
		}
		if want.Port == "" {
			want.Port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		got, ok := URLHost(raw)
		if !ok || !sameHost(got, want) {
			t.Fatalf("URLHost(%q) = %#v, %v; net/url's host %q is %#v", raw, got, ok, u.Host, want)
		}
	})
}

// FuzzTargets: Targets never panics, stays bounded, and every URL given
// after "--" is represented.
func FuzzTargets(f *testing.F) {
	f.Add("--resolve a:80:[::1],1.2.3.4 -x socks5://p http://{a,b}[1-3].c/", "http://x/")
	f.Add("-sSLx", "[::1]")
	f.Add("--connect-to ::[", "{[}]")
	f.Fuzz(func(t *testing.T, cmd, u string) {
		if hs := Targets(append(strings.Fields(cmd), u)); len(hs) > 2*maxGlob*(len(cmd)+2) {
			t.Fatalf("%d targets with globs", len(hs))
		}
		args := append(strings.Fields(cmd), "-g", "--", u)
		hs := Targets(args)
		if len(hs) > 2*maxGlob+8*len(args) {
			t.Fatalf("%d targets", len(hs))
		}
		for _, want := range URLHosts(u) {
			found := false
			for _, h := range hs {
				found = found || h.String() == want.String()
			}
			if !found {
				t.Fatalf("Targets(%q) = %v lacks %v", args, hs, want)
			}
		}
	})
}
