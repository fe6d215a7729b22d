package policy

import (
	"strings"

	"github.com/cavra-dev/cavra/internal/netaddr"
	"github.com/cavra-dev/cavra/internal/secrets"
	"github.com/cavra-dev/cavra/policy/shell"
)

// Network facts: where a command connects and what it sends there, parsed
// rather than matched as text. Hosts are read with internal/netaddr (every
// IPv4 encoding, IPv6 with embedded IPv4, trailing dots, percent-encoding,
// curl's --resolve/--connect-to/proxies and URL globs) and shown in one
// canonical spelling: an IP literal as its address (0xa9fea9fe and
// [::ffff:a9fe:a9fe] are both 169.254.169.254), a name lower-cased without
// trailing dots. What is sent — URLs, headers, bodies, credentials, the
// names given to DNS tools — is searched with internal/secrets.Find; files
// whose contents are sent are listed as uploads.

// netFacts is what commandNetwork found for one command.
type netFacts struct {
	hosts   []string // canonical, each once
	classes []string // class names of the hosts, each once
	remote  []string // the hosts that are not this machine
	secrets []string // kinds of secrets in what is sent
	uploads []string // files whose contents are sent, as written
}

// commandNetwork reads the network facts of one analysed command.
func commandNetwork(c *shell.Command) netFacts {
	var nf netFacts
	var sent []string
	addHost := func(h netaddr.Host) {
		if h.Name == "" && !h.Addr.IsValid() {
			return
		}
		if !h.Addr.IsValid() && !hostName(h.Name) {
			return // known only at run time, or not a name any client connects to
		}
		nf.addHost(h)
	}
	addURL := func(u string) {
		for _, h := range netaddr.URLHosts(u) {
			addHost(h)
		}
	}
	textHosts := true // the shell analysis's hosts count; curl's come from netaddr.Targets alone
	switch c.Name {
	case "curl":
		for _, h := range netaddr.Targets(c.Args) {
			addHost(h)
		}
		textHosts = false
		var envSecret bool
		sent, nf.uploads, envSecret = curlSends(c.Args)
		if envSecret {
			nf.secrets = addUnique(nf.secrets, sentSecretVar)
		}
	case "wget":
		sent, nf.uploads = wgetSends(c.Args, addURL)
	case "http", "https", "xh", "xhs":
		sent, nf.uploads = httpieSends(c.Args)
	case "nc", "ncat", "netcat", "telnet":
		if v := optValue(c.Args, "-x", "--proxy"); v != "" {
			addHost(netaddr.ParseHost(v))
		}
		if h, ok := ncHost(c.Args); ok {
			addHost(h)
		}
		textHosts = false
	case "ssh":
		for _, v := range optValues(c.Args, "-L") {
			if h, ok := forwardHost(v); ok {
				addHost(h)
			}
		}
		if v := optValue(c.Args, "-J", ""); v != "" {
			for _, j := range strings.Split(v, ",") {
				addHost(netaddr.ParseHost(j))
			}
		}
	case "socat":
		for _, a := range c.Args {
			h, file, ok := socatAddress(a)
			if ok {
				addHost(h)
			}
			if file != "" {
				nf.uploads = append(nf.uploads, file)
			}
		}
	}
	if dnsTools[c.Name] {
		for _, a := range c.Args {
			if !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "+") {
				sent = append(sent, a)
				if nameVarSecret(a) {
					nf.secrets = addUnique(nf.secrets, sentNameVar)
				}
			}
		}
	}
	for _, u := range c.URLs {
		if _, rest, ok := strings.Cut(u, "://"); ok && nameVarSecret(hostPart(rest)) {
			nf.secrets = addUnique(nf.secrets, sentNameVar)
		}
		if textHosts {
			addURL(u)
		}
		sent = append(sent, u)
		if h, ok := prefixHost(u); ok {
			addHost(h)
		}
		if strings.ContainsAny(u, "$`") && !staticHost(u) {
			// Where it goes is known only at run time: not this machine,
			// as far as the policy can tell. The URL stands for the host.
			nf.remote = addUnique(nf.remote, u)
		}
	}
	if textHosts {
		for _, h := range c.Hosts {
			addHost(netaddr.ParseHost(h))
		}
	}
	for _, r := range c.Redirects {
		if h, ok := devTCP(r.Path); ok && !r.Dynamic {
			addHost(h)
		}
	}
	if len(nf.hosts) > 0 {
		for _, r := range c.Redirects {
			if (r.Op == "<" || r.Op == "<>") && !r.Dynamic {
				if _, ok := devTCP(r.Path); !ok {
					nf.uploads = append(nf.uploads, r.Path) // its standard input goes to the host
				}
			}
		}
	}
	for _, s := range sent {
		if keyIDVar(s) {
			nf.secrets = addUnique(nf.secrets, sentKeyID)
		}
		for _, m := range secrets.Find(s) {
			nf.secrets = addUnique(nf.secrets, m.Kind)
		}
	}
	if c.Code != "" && len(nf.remote) > 0 {
		for _, m := range secrets.Find(c.Code) {
			nf.secrets = addUnique(nf.secrets, m.Kind)
		}
		if k := codeEnvironment(c.Code); k != "" {
			nf.secrets = addUnique(nf.secrets, k)
		}
	}
	return nf
}

// The kinds of sent_secrets for interpreter code that contacts a host
// other than this machine and reads the environment: all of it
// (dict(os.environ), JSON.stringify(process.env), ENV.to_h, %ENV), or a
// variable whose name says it holds a secret.
const (
	sentEnvironment = "environment"
	sentSecretVar   = "secret-variable"
	// sentNameVar: a credential variable's value spelled into a host
	// name ($AWS_ACCESS_KEY_ID.x.example.net, dig $(printenv TOKEN).x…):
	// a DNS label is never how a service is given a credential.
	sentNameVar = "variable-in-host-name"
	// sentKeyID: a credential's key id variable ($AWS_ACCESS_KEY_ID) in
	// a URL, header or body; the secret half is a secret variable.
	sentKeyID = "credential-key-id"
)

// keyIDVar reports whether s takes the value of a credential's key id
// variable ($AWS_ACCESS_KEY_ID, ${X_ACCESS_KEY_ID}, $(printenv …)).
func keyIDVar(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		j := i + 1
		if name, ok := printenvSubst(s[j:]); ok && keyIDName(name) {
			return true
		}
		if j < len(s) && s[j] == '{' {
			j++
		}
		if name := identAt(s[j:]); name != "" && keyIDName(name) {
			return true
		}
	}
	return false
}

func keyIDName(name string) bool { return strings.HasSuffix(strings.ToUpper(name), "ACCESS_KEY_ID") }

// hostPart is the authority of a URL without its scheme: up to the first
// "/", "?" or "#" outside a $(…) or ${…}.
func hostPart(rest string) string {
	depth := 0
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '(', '{':
			depth++
		case ')', '}':
			if depth > 0 {
				depth--
			}
		case '/', '?', '#':
			if depth == 0 {
				return rest[:i]
			}
		}
	}
	return rest
}

// nameVarSecret reports whether a host name as written takes a
// credential variable's value: $NAME, ${NAME…}, $(printenv NAME),
// $(echo $NAME) where NAME holds a secret or is a credential's key id
// (AWS_ACCESS_KEY_ID: half of the pair, and the account it names).
func nameVarSecret(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		j := i + 1
		if name, ok := printenvSubst(s[j:]); ok && credentialVar(name) {
			return true
		}
		if j < len(s) && s[j] == '{' {
			j++
		}
		name := identAt(s[j:])
		if name != "" && credentialVar(name) {
			return true
		}
	}
	return false
}

// credentialVar: a secret-holding variable or a credential's key id.
func credentialVar(name string) bool {
	return secrets.SecretEnvName(name) || keyIDName(name)
}

// codeEnvironment reports what of the environment interpreter code
// reads: sentEnvironment, sentSecretVar or "".
func codeEnvironment(code string) string {
	secretVar := false
	for _, acc := range envAccessors {
		for i := 0; ; {
			j := strings.Index(code[i:], acc)
			if j < 0 {
				break
			}
			start := i + j
			i = start + len(acc)
			if start > 0 && isIdentByte(code[start-1]) || i < len(code) && isIdentByte(acc[len(acc)-1]) && isIdentByte(code[i]) {
				continue // part of a longer name: MY_ENV, ENVIRONMENT
			}
			rest := strings.TrimLeft(code[i:], " ")
			name := ""
			switch {
			case strings.HasPrefix(rest, "."):
				if acc == "os.environ" {
					// os.environ.get('X'), os.environ.copy(), .items()
					if g, ok := strings.CutPrefix(rest, ".get("); ok {
						name = quotedName(g)
					} else {
						return sentEnvironment
					}
				} else {
					name = identAt(rest[1:])
					if wholeEnvMethods[name] {
						return sentEnvironment
					}
				}
			case strings.HasPrefix(rest, "["), strings.HasPrefix(rest, "{"), strings.HasPrefix(rest, "("):
				name = quotedName(rest[1:])
				if name == "" && rest[0] == '{' {
					name = identAt(rest[1:])
				}
				if name == "" && acc != "os.getenv(" && acc != "getenv(" {
					continue // a computed key: not known
				}
			case acc == "os.getenv(" || acc == "getenv(":
				name = quotedName(rest)
			default:
				return sentEnvironment // the whole environment as a value
			}
			if name != "" && secrets.SecretEnvName(name) {
				secretVar = true
			}
		}
	}
	if secretVar {
		return sentSecretVar
	}
	return ""
}

// envAccessors are how python, node, ruby, perl and php read the
// environment.
var envAccessors = []string{"os.environ", "os.getenv(", "process.env", "ENV", "%ENV", "$ENV", "getenv(", "$_ENV", "Deno.env"}

// wholeEnvMethods turn the whole environment into a value (ENV.to_h,
// Deno.env.toObject()).
var wholeEnvMethods = map[string]bool{"to_h": true, "to_a": true, "to_s": true, "to_hash": true, "inspect": true, "each": true,
	"map": true, "keys": true, "values": true, "entries": true, "toObject": true, "select": true, "filter": true, "dup": true, "clone": true}

func isIdentByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// quotedName returns the name in a leading 'NAME' or "NAME".
func quotedName(s string) string {
	s = strings.TrimLeft(s, " ")
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return ""
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return ""
	}
	return s[1 : 1+end]
}

// identAt returns the identifier at the start of s.
func identAt(s string) string {
	n := 0
	for n < len(s) && (s[n] == '_' || 'a' <= s[n] && s[n] <= 'z' || 'A' <= s[n] && s[n] <= 'Z' || n > 0 && '0' <= s[n] && s[n] <= '9') {
		n++
	}
	return s[:n]
}

func (nf *netFacts) addHost(h netaddr.Host) {
	name := h.Name
	if h.Addr.IsValid() {
		name = h.Addr.WithZone("").String()
	}
	for _, x := range nf.hosts {
		if x == name {
			return
		}
	}
	nf.hosts = append(nf.hosts, name)
	cl := netaddr.Classify(h)
	for _, n := range classNames(cl) {
		nf.classes = addUnique(nf.classes, n)
	}
	if !thisMachine(name, cl) {
		nf.remote = append(nf.remote, name)
	}
}

// thisMachine reports whether a host is the machine the agent runs on:
// a loopback address or name, or the host seen from a container.
func thisMachine(name string, cl netaddr.Class) bool {
	return cl.Has(netaddr.Loopback) || name == "host.docker.internal" || name == "host.containers.internal"
}

// hostClassNames are netaddr's classes as rules name them, in flag order.
var hostClassNames = []struct {
	c    netaddr.Class
	name string
}{
	{netaddr.Metadata, "metadata"}, {netaddr.LinkLocal, "link-local"}, {netaddr.Loopback, "loopback"},
	{netaddr.Private, "private"}, {netaddr.Reserved, "reserved"}, {netaddr.Local, "local"}, {netaddr.Public, "public"},
}

func classNames(c netaddr.Class) []string {
	var out []string
	for _, n := range hostClassNames {
		if c.Has(n.c) {
			out = append(out, n.name)
		}
	}
	return out
}

// dnsTools resolve the names they are given: a name built from a secret
// sends it to whoever serves the zone.
var dnsTools = map[string]bool{"dig": true, "nslookup": true, "host": true, "drill": true, "kdig": true, "delv": true,
	"ping": true, "ping6": true, "traceroute": true, "traceroute6": true, "tracepath": true, "mtr": true, "whois": true,
	"getent": true, "resolvectl": true}

// optVal is one option of a command line with its value.
type optVal struct{ name, val string }

// scanOpts walks a command's arguments: long options ("--name=value" or
// "--name value" when long[name]), short options and clusters ("-sSH v",
// "-Hv") whose letter is in short, and operands (name ""). Options that
// take no value are skipped.
func scanOpts(args []string, short string, long map[string]bool, each func(optVal)) {
	ended := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if ended || len(a) < 2 || a[0] != '-' {
			each(optVal{val: a})
			continue
		}
		if a == "--" {
			ended = true
			continue
		}
		if strings.HasPrefix(a, "--") {
			name, val, has := strings.Cut(a, "=")
			if !long[name] {
				continue
			}
			if !has && i+1 < len(args) {
				i++
				val = args[i]
			}
			each(optVal{name, val})
			continue
		}
		for j := 1; j < len(a); j++ {
			if strings.IndexByte(short, a[j]) < 0 {
				continue
			}
			val := a[j+1:]
			if val == "" && i+1 < len(args) {
				i++
				val = args[i]
			}
			each(optVal{"-" + string(a[j]), val})
			break
		}
	}
}

// curlLong are curl's long options that take a value (a superset of what
// curlSends reads, so that values are not taken for URLs).
var curlLong = func() map[string]bool {
	m := map[string]bool{}
	for _, o := range strings.Fields(`--data --data-ascii --data-binary --data-raw --data-urlencode --form --form-string
		--upload-file --output --config --cookie --cookie-jar --dump-header --header --proxy-header --user --user-agent
		--referer --request --proxy --url --url-query --json --oauth2-bearer --proxy-user --aws-sigv4 --variable
		--resolve --connect-to --preproxy --socks4 --socks4a --socks5 --socks5-hostname --doh-url --dns-servers
		--max-time --connect-timeout --retry --output-dir --cert --key --cacert --write-out --range --mail-from
		--mail-rcpt --login-options --trace --trace-ascii --stderr --netrc-file --unix-socket --interface
		--expand-header --expand-data --expand-data-raw --expand-data-binary --expand-url --expand-json`) {
		m[o] = true
	}
	return m
}()

// curlSends returns what a curl command line sends (header values, bodies,
// credentials; its URLs are added by the caller) and the files whose
// contents it sends.
func curlSends(args []string) (sent, files []string, envSecret bool) {
	scanOpts(args, "dFHuUbeATxKoDcCrwXmE", curlLong, func(o optVal) {
		v := o.val
		switch o.name {
		case "-d", "--data", "--data-binary", "--data-ascii", "--json":
			if f, ok := strings.CutPrefix(v, "@"); ok {
				files = addFile(files, f)
			} else {
				sent = append(sent, v)
			}
		case "-H", "--header", "--proxy-header":
			if f, ok := strings.CutPrefix(v, "@"); ok {
				files = addFile(files, f) // headers read from a file
			} else {
				sent = append(sent, v)
			}
		case "--variable":
			// --variable %NAME imports an environment variable, name@file
			// a file; either may be sent with --expand-header/-data/-url.
			if name, ok := strings.CutPrefix(v, "%"); ok {
				name, _, _ = strings.Cut(name, "=")
				name, _, _ = strings.Cut(name, "@")
				if secrets.SecretEnvName(name) {
					sent = append(sent, "$"+name)
					envSecret = true
				}
			} else if i := strings.IndexByte(v, '@'); i > 0 && !strings.Contains(v[:i], "=") {
				files = addFile(files, v[i+1:])
			}
		case "--expand-header", "--expand-data", "--expand-data-raw", "--expand-data-binary", "--expand-url", "--expand-json":
			sent = append(sent, v)
		case "--data-raw", "--form-string", "-b", "--cookie", "-e", "--referer",
			"-A", "--user-agent", "--url-query", "--oauth2-bearer", "--aws-sigv4":
			sent = append(sent, v)
			if o.name == "--oauth2-bearer" {
				sent = append(sent, "Authorization: Bearer "+v)
			}
		case "--data-urlencode":
			name, content, _ := strings.Cut(v, "=")
			if i := strings.IndexByte(name, '@'); i >= 0 && !strings.Contains(v[:i], "=") {
				files = addFile(files, v[i+1:])
			} else {
				sent = append(sent, v, content)
			}
		case "-F", "--form":
			if _, fv, ok := strings.Cut(v, "="); ok && (strings.HasPrefix(fv, "@") || strings.HasPrefix(fv, "<")) {
				fv = fv[1:]
				if i := strings.IndexByte(fv, ';'); i >= 0 {
					fv = fv[:i]
				}
				files = addFile(files, fv)
			} else {
				sent = append(sent, v)
			}
		case "-T", "--upload-file":
			files = addFile(files, v)
		case "-u", "--user", "-U", "--proxy-user":
			sent = append(sent, credentials(v)...)
		case "-x", "--proxy", "--preproxy":
			sent = append(sent, v)
		}
	})
	return sent, files, envSecret
}

// credentials returns what a "user:password" argument sends: the value
// itself (a token used as the user name) and the password labelled as one,
// so that secrets.Find judges it as a labelled password.
func credentials(v string) []string {
	if _, pass, ok := strings.Cut(v, ":"); ok && pass != "" {
		return []string{v, "password=" + pass}
	}
	return []string{v}
}

// addFile adds a file whose contents are sent; "-" (standard input) is
// not a file of its own.
func addFile(files []string, f string) []string {
	if f == "" || f == "-" || f == "." {
		return files
	}
	return append(files, f)
}

var wgetLong = func() map[string]bool {
	m := map[string]bool{}
	for _, o := range strings.Fields(`--header --post-data --body-data --post-file --body-file --user --password
		--http-user --http-password --proxy-user --proxy-password --ftp-user --ftp-password --execute --referer
		--user-agent --method --output-document --output-file --append-output --directory-prefix --input-file
		--load-cookies --save-cookies --base --config --tries --timeout --level --accept --reject --domains`) {
		m[o] = true
	}
	return m
}()

// wgetSends returns what a wget command line sends and the files whose
// contents it sends; proxies set with -e/--execute are hosts it contacts.
func wgetSends(args []string, addURL func(string)) (sent, files []string) {
	scanOpts(args, "eUOoaPiBDTtlAR", wgetLong, func(o optVal) {
		v := o.val
		switch o.name {
		case "--header", "--post-data", "--body-data", "--referer", "-U", "--user-agent":
			sent = append(sent, v)
		case "--post-file", "--body-file":
			files = addFile(files, v)
		case "--user", "--http-user", "--proxy-user", "--ftp-user":
			sent = append(sent, v)
		case "--password", "--http-password", "--proxy-password", "--ftp-password":
			sent = append(sent, "password="+v)
		case "-e", "--execute":
			// wgetrc commands: http_proxy = URL, header = …, …
			k, val, ok := strings.Cut(v, "=")
			if !ok {
				return
			}
			k = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(k), "-", "_"))
			val = strings.TrimSpace(val)
			switch k {
			case "http_proxy", "https_proxy", "ftp_proxy":
				addURL(val)
				sent = append(sent, val)
			case "header", "post_data", "body_data":
				sent = append(sent, val)
			case "post_file", "body_file":
				files = addFile(files, val)
			case "password", "http_password", "proxy_password":
				sent = append(sent, "password="+val)
			}
		}
	})
	return sent, files
}

// httpieSends reads httpie's and xh's request items: Header:value,
// field=value, field:=json, param==value (sent), field@file, field=@file,
// field:=@file (files sent).
func httpieSends(args []string) (sent, files []string) {
	seenURL := false
	scanOpts(args, "aopv", map[string]bool{"--auth": true, "--output": true, "--session": true, "--proxy": true,
		"--cert": true, "--cert-key": true, "--verify": true, "--timeout": true, "--print": true, "--bearer": true}, func(o optVal) {
		v := o.val
		switch {
		case o.name == "-a" || o.name == "--auth":
			sent = append(sent, credentials(v)...)
		case o.name == "--bearer":
			sent = append(sent, "Authorization: Bearer "+v)
		case o.name == "--proxy":
			sent = append(sent, v)
		case o.name != "":
		case !seenURL && isMethod(v):
		case !seenURL:
			seenURL = true
		default:
			if i := strings.IndexByte(v, '@'); i > 0 {
				files = addFile(files, strings.TrimPrefix(v[i+1:], "@"))
				return
			}
			sent = append(sent, v)
		}
	})
	return sent, files
}

func isMethod(s string) bool {
	switch strings.ToUpper(s) {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return s == strings.ToUpper(s)
	}
	return false
}

// optValue returns the value of the first short option (or long option
// "--x=v"/"--x v") in args, or "".
func optValue(args []string, short, long string) string {
	if v := optValues(args, short); len(v) > 0 {
		return v[0]
	}
	if long == "" {
		return ""
	}
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, long+"="); ok {
			return v
		}
		if a == long && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// optValues returns every value of a short option: "-L v" and "-Lv".
func optValues(args []string, short string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == short && i+1 < len(args) {
			out = append(out, args[i+1])
			i++
		} else if len(a) > len(short) && strings.HasPrefix(a, short) && !strings.HasPrefix(a, "--") {
			out = append(out, a[len(short):])
		}
	}
	return out
}

// forwardHost reads the host of an ssh -L forward: [bind:]port:host:hostport
// (a Unix socket forward has none).
func forwardHost(v string) (netaddr.Host, bool) {
	f := splitColonsOutsideBrackets(v)
	switch len(f) {
	case 3:
		return netaddr.ParseHost(f[1]), true
	case 4:
		return netaddr.ParseHost(f[2]), true
	}
	return netaddr.Host{}, false
}

// splitColonsOutsideBrackets splits at colons that are not inside [ ].
func splitColonsOutsideBrackets(s string) []string {
	var f []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
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

// socatAddress reads one socat address: a network one gives the host it
// connects to (TCP:host:port, TCP4-CONNECT:…, OPENSSL:…, UDP-SENDTO:…,
// SOCKS4:proxy:host:port, PROXY:proxy:host:port); a file one (OPEN:, FILE:,
// GOPEN:, or a bare path) gives a file it reads. Listening addresses and
// options (after ",") give nothing.
func socatAddress(a string) (h netaddr.Host, file string, ok bool) {
	if a == "" || a[0] == '-' {
		return netaddr.Host{}, "", false
	}
	typ, rest, has := strings.Cut(a, ":")
	if !has {
		if strings.ContainsAny(a, "/.") {
			return netaddr.Host{}, strings.SplitN(a, ",", 2)[0], false
		}
		return netaddr.Host{}, "", false
	}
	typ = strings.ToUpper(typ)
	rest, _, _ = strings.Cut(rest, ",")
	switch typ {
	case "TCP", "TCP4", "TCP6", "TCP-CONNECT", "TCP4-CONNECT", "TCP6-CONNECT", "UDP", "UDP4", "UDP6",
		"UDP-CONNECT", "UDP4-CONNECT", "UDP6-CONNECT", "UDP-SENDTO", "UDP4-SENDTO", "UDP6-SENDTO",
		"OPENSSL", "OPENSSL-CONNECT", "SSL", "SCTP", "SCTP-CONNECT", "DCCP-CONNECT":
		f := splitColonsOutsideBrackets(rest)
		if len(f) >= 1 {
			return netaddr.ParseHost(strings.Trim(f[0], "[]")), "", true
		}
	case "SOCKS", "SOCKS4", "SOCKS4A", "SOCKS5", "SOCKS5-CONNECT", "PROXY", "PROXY-CONNECT":
		f := splitColonsOutsideBrackets(rest)
		if len(f) >= 1 {
			return netaddr.ParseHost(strings.Trim(f[0], "[]")), "", true // the proxy; the target is reached from it
		}
	case "OPEN", "FILE", "GOPEN", "READLINE":
		if typ != "READLINE" {
			return netaddr.Host{}, rest, false
		}
	}
	return netaddr.Host{}, "", false
}

// devTCP reads bash's /dev/tcp/HOST/PORT and /dev/udp/HOST/PORT.
func devTCP(p string) (netaddr.Host, bool) {
	rest, ok := strings.CutPrefix(p, "/dev/tcp/")
	if !ok {
		rest, ok = strings.CutPrefix(p, "/dev/udp/")
	}
	if !ok {
		return netaddr.Host{}, false
	}
	host, port, _ := strings.Cut(rest, "/")
	h := netaddr.ParseHost(host)
	h.Port = port
	return h, h.Name != ""
}

// httpRequestNetwork reads the network facts of an http_request's URL.
func httpRequestNetwork(target string) netFacts {
	var nf netFacts
	for _, h := range netaddr.URLHosts(target) {
		nf.addHost(h)
	}
	for _, m := range secrets.Find(target) {
		nf.secrets = addUnique(nf.secrets, m.Kind)
	}
	return nf
}

// networkFacts sets a command's network facts and adds them to the
// action's.
func (e *evaluation) networkFacts(c *shell.Command, cf *CommandFacts) {
	if len(c.URLs)+len(c.Hosts)+len(c.Redirects) == 0 && !networkTools[c.Name] {
		return
	}
	nf := commandNetwork(c)
	cf.Hosts, cf.HostClasses, cf.RemoteHosts, cf.SentSecrets = nf.hosts, nf.classes, nf.remote, nf.secrets
	f := &e.facts
	f.addNetwork(&nf)
	if len(nf.uploads) > 0 {
		env := e.env
		if c.Dir != "" {
			env.cwd = c.Dir
		} else if env.cwd != "" {
			env.cwd = unknownDir
		}
		for _, p := range nf.uploads {
			rp := env.resolve(p)
			cf.Uploads = addUnique(cf.Uploads, rp.display)
			f.Uploads = addUnique(f.Uploads, rp.display)
		}
	}
}

func (f *Facts) addNetwork(nf *netFacts) {
	for _, h := range nf.hosts {
		f.Hosts = addUnique(f.Hosts, h)
	}
	for _, k := range nf.classes {
		f.HostClasses = addUnique(f.HostClasses, k)
	}
	for _, h := range nf.remote {
		f.RemoteHosts = addUnique(f.RemoteHosts, h)
	}
	for _, k := range nf.secrets {
		f.SentSecrets = addUnique(f.SentSecrets, k)
	}
}

// networkTools are the tools whose network facts come from their options
// even when the shell analysis found no URL (a DNS name, a socat address).
var networkTools = map[string]bool{"curl": true, "wget": true, "http": true, "https": true, "xh": true, "xhs": true,
	"nc": true, "ncat": true, "netcat": true, "ssh": true, "socat": true, "dig": true, "nslookup": true, "host": true,
	"drill": true, "kdig": true, "delv": true, "ping": true, "ping6": true, "traceroute": true, "traceroute6": true,
	"tracepath": true, "mtr": true, "whois": true, "getent": true, "resolvectl": true}

// ncHost reads the host of nc, ncat, netcat and telnet: the first operand,
// unless the command listens (-l, --listen).
func ncHost(args []string) (netaddr.Host, bool) {
	var host string
	listen := false
	scanOpts(args, "eIiOpPqsTwxXbcdgGkmo", map[string]bool{"--proxy": true, "--exec": true, "--sh-exec": true, "--source": true,
		"--source-port": true, "--wait": true, "--proxy-type": true, "--proxy-auth": true, "--output": true}, func(o optVal) {
		if o.name == "" && host == "" {
			host = o.val
		}
	})
	for _, a := range args {
		if a == "--listen" || len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a, 'l') > 0 {
			listen = true
		}
	}
	if host == "" || listen {
		return netaddr.Host{}, false
	}
	return netaddr.ParseHost(host), true
}

// hostName reports whether a parsed name is one a client would look up:
// no control characters, spaces, WHATWG forbidden host code points, or
// shell text left for run time ($, `, quotes, globs).
func hostName(n string) bool {
	if n == "" || n == "-" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c <= ' ' || c == 0x7f || strings.IndexByte("$`(){}[]#%/:<>?@\\^|\"'*", c) >= 0 {
			return false
		}
	}
	return true
}

// staticHost reports whether a URL written with shell text in it still has
// a host known before it runs ("http://localhost:8080/$PATH_PART").
func staticHost(u string) bool {
	for _, h := range netaddr.URLHosts(u) {
		if h.Addr.IsValid() || hostName(h.Name) {
			return true
		}
	}
	return false
}

// prefixHost returns the host of a URL whose run-time part starts only
// after the host ("http://169.254.170.2$URI_PATH", "http://h:8080/$P"): a
// request there goes to that host. A run-time part right after a name
// could still extend it (http://api$SUFFIX), so there only an IPv4 literal
// of four parts counts: more digits keep it in the same network or make it
// invalid.
func prefixHost(u string) (netaddr.Host, bool) {
	i := strings.IndexAny(u, "$`")
	if i < 0 {
		return netaddr.Host{}, false
	}
	_, auth, ok := strings.Cut(u[:i], "://")
	if !ok || auth == "" || strings.ContainsAny(auth, "@") {
		return netaddr.Host{}, false
	}
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	} else if strings.IndexByte(auth, ':') < 0 {
		h := netaddr.ParseHost(auth)
		if !h.Addr.IsValid() || !h.Addr.Is4() || strings.Count(auth, ".") != 3 {
			return netaddr.Host{}, false
		}
		return h, true
	}
	if j := strings.LastIndexByte(auth, ':'); j >= 0 && !strings.HasSuffix(auth, "]") {
		auth = auth[:j]
	}
	h := netaddr.ParseHost(auth)
	if !h.Addr.IsValid() && !hostName(h.Name) {
		return netaddr.Host{}, false
	}
	return h, true
}
