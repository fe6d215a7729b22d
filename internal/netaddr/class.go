package netaddr

import (
	"net/netip"
	"strings"
)

// Class is a set of flags saying what kind of place a host is; the package
// documentation lists what each covers.
type Class uint8

// The classes. A host may have several; Public is set only when none of the
// others is.
const (
	Metadata  Class = 1 << iota // cloud instance-metadata or host-agent endpoint
	LinkLocal                   // 169.254.0.0/16, fe80::/10
	Loopback                    // this machine: 127/8, ::1, 0.0.0.0, ::, localhost
	Private                     // RFC 1918, CGNAT, unique-local IPv6
	Reserved                    // special-purpose, not globally routable
	Local                       // a name only a local resolver answers
	Public                      // none of the above
)

var classNames = [...]string{"metadata", "link-local", "loopback", "private", "reserved", "local", "public"}

// Has reports whether c has every flag of f.
func (c Class) Has(f Class) bool { return c&f == f && f != 0 }

// String returns the flags' names joined by "|" ("metadata|link-local"), or
// "none" for the zero Class.
func (c Class) String() string {
	if c == 0 {
		return "none"
	}
	var b strings.Builder
	for i, n := range classNames {
		if c&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n)
		}
	}
	return b.String()
}

// Classify returns the classes of h: of its address when it is an IP
// literal, otherwise of its name as text (see the package Caveats). The
// zero Host has no class.
func Classify(h Host) Class {
	if h.Addr.IsValid() {
		return ClassifyAddr(h.Addr)
	}
	if h.Name == "" {
		return 0
	}
	return classifyName(h.Name)
}

// ClassifyAddr returns the classes of an address, after Unwrap; zones are
// ignored. An invalid address has no class.
func ClassifyAddr(a netip.Addr) Class {
	if !a.IsValid() {
		return 0
	}
	a = Unwrap(a.WithZone(""))
	if a.IsUnspecified() {
		return Loopback // on Linux, connecting to 0.0.0.0 or :: reaches local listeners
	}
	var c Class
	for _, m := range metadataAddrs {
		if a == m {
			c |= Metadata
		}
	}
	for _, r := range ranges {
		if r.p.Contains(a) {
			c |= r.c
		}
	}
	if c == 0 {
		c = Public
	}
	return c
}

// metadataAddrs are the instance-metadata and host-agent endpoints listed
// in the package documentation.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, Azure, GCP, OCI, DigitalOcean, OpenStack IMDS
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
	netip.MustParseAddr("169.254.170.2"),   // ECS task metadata and credentials
	netip.MustParseAddr("169.254.170.23"),  // EKS Pod Identity agent
	netip.MustParseAddr("fd00:ec2::23"),    // EKS Pod Identity agent over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("192.0.0.192"),     // Oracle Cloud
	netip.MustParseAddr("168.63.129.16"),   // Azure WireServer (host agent, certificates)
}

var ranges = []struct {
	p netip.Prefix
	c Class
}{
	{netip.MustParsePrefix("127.0.0.0/8"), Loopback},
	{netip.MustParsePrefix("::1/128"), Loopback},
	{netip.MustParsePrefix("169.254.0.0/16"), LinkLocal},
	{netip.MustParsePrefix("fe80::/10"), LinkLocal},
	{netip.MustParsePrefix("10.0.0.0/8"), Private},
	{netip.MustParsePrefix("172.16.0.0/12"), Private},
	{netip.MustParsePrefix("192.168.0.0/16"), Private},
	{netip.MustParsePrefix("100.64.0.0/10"), Private}, // CGNAT
	{netip.MustParsePrefix("fc00::/7"), Private},
	{netip.MustParsePrefix("fec0::/10"), Private},  // deprecated site-local
	{netip.MustParsePrefix("0.0.0.0/8"), Reserved}, // "this network"; 0.0.0.0 itself is handled first
	{netip.MustParsePrefix("192.0.0.0/24"), Reserved},
	{netip.MustParsePrefix("192.0.2.0/24"), Reserved},
	{netip.MustParsePrefix("198.18.0.0/15"), Reserved},
	{netip.MustParsePrefix("198.51.100.0/24"), Reserved},
	{netip.MustParsePrefix("203.0.113.0/24"), Reserved},
	{netip.MustParsePrefix("224.0.0.0/4"), Reserved}, // multicast
	{netip.MustParsePrefix("240.0.0.0/4"), Reserved}, // includes 255.255.255.255
	{netip.MustParsePrefix("ff00::/8"), Reserved},    // multicast
	{netip.MustParsePrefix("2001:db8::/32"), Reserved},
	{netip.MustParsePrefix("3fff::/20"), Reserved},
	{netip.MustParsePrefix("100::/64"), Reserved}, // discard
}

// metadataNames are the metadata endpoints' documented names.
var metadataNames = map[string]bool{
	"metadata.google.internal":   true, // GCE and GKE
	"metadata.goog":              true, // GCE
	"metadata":                   true, // GCE, through the google.internal search domain
	"instance-data":              true, // EC2, through the instance's search domain
	"instance-data.ec2.internal": true,
	"metadata.tencentyun.com":    true, // Tencent Cloud
	// The Kubernetes API seen from a pod, which serves the cluster's
	// secrets to the pod's mounted service-account token.
	"kubernetes.default.svc":               true,
	"kubernetes.default.svc.cluster.local": true,
	"kubernetes.default":                   true,
}

// loopbackNames resolve to a loopback address on common systems.
var loopbackNames = map[string]bool{
	"localhost":             true,
	"localhost.localdomain": true, // Red Hat's /etc/hosts
	"ip6-localhost":         true, // Debian's /etc/hosts
	"ip6-loopback":          true,
	"lvh.me":                true, // public wildcard DNS to 127.0.0.1
	"localtest.me":          true,
}

// localSuffixes are domains no public resolver answers.
var localSuffixes = []string{".local", ".internal", ".home.arpa", ".localdomain", ".lan", ".home", ".corp"}

func classifyName(n string) Class {
	var c Class
	if metadataNames[n] || strings.HasPrefix(n, "instance-data.") && strings.HasSuffix(n, ".compute.internal") {
		c |= Metadata
	}
	if loopbackNames[n] || strings.HasSuffix(n, ".localhost") || strings.HasSuffix(n, ".lvh.me") || strings.HasSuffix(n, ".localtest.me") {
		c |= Loopback
		if !strings.HasSuffix(n, ".me") {
			c |= Local
		}
	}
	if !strings.Contains(n, ".") {
		c |= Local
	}
	for _, s := range localSuffixes {
		if strings.HasSuffix(n, s) {
			c |= Local
			break
		}
	}
	if a, ok := wildcardDNS(n); ok {
		c |= ClassifyAddr(a) &^ Public
	}
	if c == 0 {
		c = Public
	}
	return c
}

// wildcardDNS returns the address a nip.io or sslip.io name spells:
// dotted ("app.10.0.0.1.nip.io"), dashed ("app-10-0-0-1.nip.io"), eight
// hex digits ("0a000001.nip.io", "app-0a000001.nip.io"), or, for sslip.io,
// IPv6 with dashes for colons ("fe80--1.sslip.io").
func wildcardDNS(n string) (netip.Addr, bool) {
	var rest string
	switch {
	case strings.HasSuffix(n, ".nip.io"):
		rest = strings.TrimSuffix(n, ".nip.io")
	case strings.HasSuffix(n, ".sslip.io"):
		rest = strings.TrimSuffix(n, ".sslip.io")
	default:
		return netip.Addr{}, false
	}
	labels := strings.Split(rest, ".")
	if k := len(labels); k >= 4 {
		if a, err := netip.ParseAddr(strings.Join(labels[k-4:], ".")); err == nil && a.Is4() {
			return a, true
		}
	}
	last := labels[len(labels)-1]
	if a, err := netip.ParseAddr(strings.ReplaceAll(last, "-", ":")); err == nil && a.Is6() {
		return a, true
	}
	dashed := strings.Split(last, "-")
	if k := len(dashed); k >= 4 {
		if a, err := netip.ParseAddr(strings.Join(dashed[k-4:], ".")); err == nil && a.Is4() {
			return a, true
		}
	}
	if h := dashed[len(dashed)-1]; len(h) == 8 {
		var b [4]byte
		for i := 0; i < 8; i++ {
			if !isHex(h[i]) {
				return netip.Addr{}, false
			}
			b[i/2] = b[i/2]<<4 | unhex(h[i])
		}
		return netip.AddrFrom4(b), true
	}
	return netip.Addr{}, false
}
