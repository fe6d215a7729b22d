package netaddr

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Host is a network host as a client would connect to it.
type Host struct {
	// Name is the host as written, percent-decoded, folded to ASCII where
	// IDNA would, lower-cased and without trailing dots. When Addr is valid
	// it is the literal's spelling ("0xa9fea9fe") and not a DNS name:
	// compare addresses, not Name.
	Name string
	// Addr is valid when the host is an IP literal in any encoding. An IPv6
	// address carrying an IPv4 address is unwrapped to it (see Unwrap).
	Addr netip.Addr
	// Port is the port as written, without leading zeros when it is a
	// number; URLHost and Targets fill in the scheme's default.
	Port string
}

// ParseHost parses an authority: "host", "host:port", "user@host:port",
// "[v6]:port", or a bare IPv6 address. Anything from the first "/", "?" or
// "#" on is ignored, so a scheme-less URL ("169.254.169.254/latest") gives
// its host; the host is what follows the last "@". ParseHost does not fail:
// a host that is neither a name nor an address comes back as a Name that no
// resolver will find.
func ParseHost(s string) Host {
	s = trimASCIISpace(s)
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = trimASCIISpace(s[:i])
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	return parseHostPort(s)
}

// parseHostPort parses "host[:port]" with no userinfo.
func parseHostPort(s string) Host {
	if strings.HasPrefix(s, "[") {
		if end := strings.IndexByte(s, ']'); end >= 0 {
			inner, rest := s[1:end], s[end+1:]
			port := ""
			if strings.HasPrefix(rest, ":") {
				port = rest[1:]
			} // anything else after "]" is not a port, and no client reads it as one
			if a, ok := parseIPv6(inner); ok {
				return Host{Name: strings.ToLower(inner), Addr: Unwrap(a), Port: normPort(port)}
			}
			// "[127.0.0.1]" is not a valid URL host, but some parsers
			// (older Python) strip the brackets; read the inside as a host.
			return nameHost(inner, port)
		}
	}
	if strings.Count(s, ":") >= 2 {
		if a, ok := parseIPv6(s); ok {
			return Host{Name: strings.ToLower(s), Addr: Unwrap(a)}
		}
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return nameHost(s[:i], s[i+1:])
	}
	return nameHost(s, "")
}

// nameHost decodes and normalizes a host that is not an IPv6 literal.
func nameHost(host, port string) Host {
	n := percentDecode(host)
	n = foldWidth(n)
	n = strings.ToLower(n)
	n = strings.TrimRight(n, ".")
	h := Host{Name: n, Port: normPort(port)}
	if a, ok := parseIPv4(n); ok {
		h.Addr = a
	}
	return h
}

// parseIPv6 parses an IPv6 address with an optional zone, raw ("%eth0") or
// URL-encoded ("%25eth0").
func parseIPv6(s string) (netip.Addr, bool) {
	if i := strings.IndexByte(s, '%'); i >= 0 {
		zone := s[i+1:]
		if len(zone) > 2 && zone[:2] == "25" {
			zone = percentDecode(zone[2:])
		}
		s = s[:i] + "%" + zone
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return netip.Addr{}, false
	}
	return a, true
}

// parseIPv4 parses s as inet_aton(3) and the WHATWG URL Standard's IPv4
// parser do: one to four parts, each decimal, octal or hexadecimal, the last
// filling the remaining bytes. Trailing dots must already be gone.
func parseIPv4(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	var parts [4]uint64
	n := 0
	for {
		part, rest, more := strings.Cut(s, ".")
		if n == 4 {
			return netip.Addr{}, false
		}
		v, ok := parseIPv4Part(part)
		if !ok {
			return netip.Addr{}, false
		}
		parts[n] = v
		n++
		if !more {
			break
		}
		s = rest
	}
	for _, p := range parts[:n-1] {
		if p > 0xff {
			return netip.Addr{}, false
		}
	}
	last := parts[n-1]
	if last >= 1<<(8*(5-n)) {
		return netip.Addr{}, false
	}
	v := uint32(last)
	for k, p := range parts[:n-1] {
		v |= uint32(p) << (8 * (3 - k))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Part parses one part; values past 32 bits are clamped, so they
// are still out of range but cannot overflow.
func parseIPv4Part(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, p = 16, p[2:]
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		c := p[i]
		var d uint64
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		if v <= 1<<32 {
			v = v*base + d
		}
	}
	return v, true
}

// Unwrap returns the IPv4 address an IPv6 address carries: IPv4-mapped
// (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), IPv4-compatible
// (::/96, except :: and ::1), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
// Any other address is returned unchanged.
func Unwrap(a netip.Addr) netip.Addr {
	if !a.Is6() {
		return a
	}
	if a.Is4In6() {
		return a.Unmap()
	}
	b := a.As16()
	v4 := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{b[i], b[i+1], b[i+2], b[i+3]}) }
	switch {
	case zero(b[:12]):
		if zero(b[12:15]) && b[15] <= 1 {
			return a // :: and ::1 mean themselves
		}
		return v4(12)
	case zero(b[:8]) && b[8] == 0xff && b[9] == 0xff && zero(b[10:12]):
		return v4(12)
	case b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zero(b[4:12]):
		return v4(12)
	case b[0] == 0x20 && b[1] == 0x02:
		return v4(2)
	}
	return a
}

func zero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// String returns the host in a form ParseHost reads back to the same Host:
// the canonical address (IPv6 in brackets, zone URL-encoded) or the name
// with the characters that would change its meaning percent-encoded, and
// ":port" when there is one.
func (h Host) String() string {
	var b strings.Builder
	switch {
	case h.Addr.Is6():
		b.WriteByte('[')
		b.WriteString(h.Addr.WithZone("").String())
		if z := h.Addr.Zone(); z != "" {
			b.WriteString("%25")
			escapeTo(&b, z)
		}
		b.WriteByte(']')
	case strings.Contains(h.Port, ":"):
		// Only a bracketed host can have a colon in its port.
		b.WriteByte('[')
		if h.Addr.Is4() {
			b.WriteString(h.Addr.String())
		} else {
			escapeTo(&b, h.Name)
		}
		b.WriteByte(']')
	case h.Addr.Is4():
		b.WriteString(h.Addr.String())
	default:
		escapeTo(&b, h.Name)
	}
	if h.Port != "" {
		b.WriteByte(':')
		b.WriteString(h.Port)
	}
	return b.String()
}

// escapeTo writes s with the bytes that delimit or encode an authority
// percent-encoded.
func escapeTo(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7f || strings.IndexByte("%/?#@[]\\:", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
}

// percentDecode decodes %XX escapes; a "%" not followed by two hex digits
// stays as it is, as in the WHATWG URL Standard.
func percentDecode(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// foldWidth maps fullwidth ASCII (U+FF01–U+FF5E) to ASCII and the
// ideographic and halfwidth full stops to ".", as IDNA (UTS #46) does
// before a name is looked up.
func foldWidth(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case 0xff01 <= r && r <= 0xff5e:
			return r - 0xfee0
		case r == 0x3002 || r == 0xff61:
			return '.'
		}
		return r
	}, s)
}

// normPort drops leading zeros from a numeric port ("0080" is 80, as in
// WHATWG); anything else is kept as written.
func normPort(p string) string {
	if p == "" {
		return ""
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return p
		}
	}
	p = strings.TrimLeft(p, "0")
	if p == "" {
		return "0"
	}
	return p
}

// trimASCIISpace trims C0 controls and spaces at both ends, as URL parsers
// do; Unicode spaces stay, since no client trims them.
func trimASCIISpace(s string) string {
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	return s
}
