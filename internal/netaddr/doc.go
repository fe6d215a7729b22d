// Package netaddr says where a network target really goes. It parses hosts
// the way resolvers and URL clients do, not as text, so that a policy
// comparing "169.254.169.254" against an agent's command is not defeated by
// "0xa9fea9fe", "[::ffff:a9fe:a9fe]" or "http://good.com@169.254.169.254/".
//
// ParseHost reads a host as written in an authority ("user@host:port",
// "[v6]:port"); URLHost and URLHosts read a whole URL; Targets reads a curl
// command line and returns every host it would connect to, proxies and
// --resolve / --connect-to overrides included. Classify (and ClassifyAddr for
// addresses from elsewhere) says what kind of place a host is.
//
// # IPv4 literals
//
// A host is an IPv4 address when inet_aton(3) or the WHATWG URL Standard
// would read it as one; the two agree except where noted:
//
//   - one to four parts separated by ".", each decimal, octal (a leading
//     "0": "0251"), or hexadecimal ("0x"/"0X", either case of digits; a bare
//     "0x" is 0, as in WHATWG);
//   - with fewer than four parts the last one fills the remaining bytes:
//     "169.254.43518" (a.b.c, c of 16 bits), "169.16689662" (a.b, b of 24
//     bits), "2852039166" (one 32-bit number);
//   - trailing dots are dropped ("1.2.3.4." is 1.2.3.4; inet_aton refuses
//     it, browsers and curl accept it);
//   - a part out of range ("1.2.3.256", "08", "1.2.3.4.5") makes the host a
//     name, which no resolver will find.
//
// # IPv6 literals and embedded IPv4
//
// IPv6 addresses are written in brackets in URLs and may stand bare
// elsewhere; zones are accepted raw ("fe80::1%eth0") and URL-encoded
// ("fe80::1%25eth0"). An IPv6 address that carries an IPv4 address is
// unwrapped to it (Unwrap), because that is where the packets end up:
// IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d,
// IPv4-compatible ::a.b.c.d (but not :: or ::1), NAT64 64:ff9b::/96 and
// 6to4 2002:AABB:CCDD::/48.
//
// # Names
//
// Names are percent-decoded (curl and browsers do; Go's net/url refuses),
// fullwidth forms and ideographic full stops are folded to ASCII as IDNA's
// mapping does ("１２７。０。０。１" is 127.0.0.1), then lower-cased; no other
// IDNA processing is done.
//
// # URLs
//
// Clients disagree on some URLs; URLHosts returns every host a common client
// would contact, and URLHost returns a host only when they agree:
//
//   - WHATWG clients (browsers, Node, Deno, Bun fetch) treat "\" as "/" in
//     http, https, ws, wss and ftp URLs, accept any number of slashes after
//     the scheme ("http:evil.com", "http:////evil.com") and drop tabs and
//     newlines anywhere. So "http://evil.com\@good.com/" goes to evil.com;
//   - RFC 3986 clients (curl, Python, Go) take "\" as an ordinary character,
//     so the same URL goes to good.com with user "evil.com\". curl also
//     accepts one to three slashes and URLs without a scheme
//     ("169.254.169.254/latest", "localhost:8080"), guessing the protocol
//     from the host's first label as curl does ("ftp.x" is FTP).
//
// Both take the host after the last "@". Ports are those of the URL or the
// scheme's default (curl's list).
//
// # Classes
//
// A host may be in several classes (metadata.google.internal is Metadata
// and Local); Public means none of the others:
//
//   - Metadata: cloud instance-metadata and host-agent endpoints, each
//     documented by its provider: 169.254.169.254 and fd00:ec2::254 (AWS
//     IMDS, also Azure, GCP, OCI, DigitalOcean, OpenStack), 169.254.170.2
//     (ECS task credentials), 169.254.170.23 and fd00:ec2::23 (EKS Pod
//     Identity agent), 100.100.100.200 (Alibaba Cloud), 192.0.0.192 (Oracle
//     Cloud), 168.63.129.16 (Azure WireServer); the names
//     metadata.google.internal, metadata.goog and metadata (GCE, the last
//     through its search domain), instance-data and
//     instance-data.REGION.compute.internal / instance-data.ec2.internal
//     (EC2), metadata.tencentyun.com (Tencent Cloud). Not included:
//     169.254.169.123 (Amazon Time Sync, NTP) and 169.254.169.253 (Amazon
//     DNS), which are link-local but serve no credentials, and
//     metadata.azure.com, which is not IMDS;
//   - LinkLocal: 169.254.0.0/16, fe80::/10;
//   - Loopback: 127.0.0.0/8, ::1, and 0.0.0.0 and :: — on Linux a connection
//     to the unspecified address reaches local listeners; the names
//     localhost, *.localhost (RFC 6761; curl answers them itself),
//     localhost.localdomain, ip6-localhost, ip6-loopback, and the public
//     wildcard names lvh.me and localtest.me (and their subdomains), which
//     resolve to 127.0.0.1;
//   - Private: 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7 and
//     the deprecated site-local fec0::/10;
//   - Reserved: not globally routable and none of the above: the rest of
//     0/8, 192.0.0/24, the documentation ranges, 198.18/15, multicast,
//     240/4 and broadcast; ff00::/8, 2001:db8::/32, 3fff::/20, 100::/64;
//   - Local: names only a local resolver answers: the localhost names above,
//     single-label names ("db", "metadata": resolved through search domains
//     and /etc/hosts), and names under .local (mDNS), .internal
//     (host.docker.internal, host.containers.internal …), .home.arpa,
//     .localdomain, .lan, .home and .corp;
//   - names under nip.io and sslip.io, which resolve to the address they
//     spell ("169.254.169.254.nip.io", "app-10-0-0-1.nip.io",
//     "0a000001.nip.io", "--1.sslip.io"), get that address's class.
//
// # Caveats
//
//   - A name is classified as text. What it resolves to is decided by DNS
//     at connection time (and may change: DNS rebinding); a policy that
//     must be sure resolves the name and classifies the addresses with
//     ClassifyAddr, or pins them.
//   - Teredo (2001::/32), ISATAP and NAT64 prefixes other than
//     64:ff9b::/96 (RFC 8215's 64:ff9b:1::/48, operator prefixes) are not
//     unwrapped; fullwidth forms are the only IDNA mapping applied
//     (circled or mathematical digits, for one, are not folded).
//   - Targets knows curl's options, not wget's or other tools'. It cannot
//     see hosts that come from a config file (-K, .curlrc), variables
//     (--variable, --expand-*), the environment (http_proxy, ALL_PROXY …),
//     redirects (-L), or a Unix socket (--unix-socket, --abstract-unix-socket,
//     which bypass the network entirely).
//   - curl URL globs ({a,b} and [1-9]) are expanded; past 1024 URLs, every
//     alternative of every glob is still tried, but not every combination.
package netaddr
