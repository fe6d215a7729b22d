package secrets

import (
	"math"
	"strings"
)

// Match is a secret found in a text: its kind (listed in the package
// documentation) and its byte offsets, s[Start:End].
type Match struct {
	Kind       string
	Start, End int
}

// The kinds of Match.
const (
	AWSAccessKeyID     = "aws-access-key-id"
	AWSSecretAccessKey = "aws-secret-access-key"
	GitHubToken        = "github-token"
	GitLabToken        = "gitlab-token"
	SlackToken         = "slack-token"
	SlackWebhook       = "slack-webhook"
	StripeKey          = "stripe-key"
	AnthropicKey       = "anthropic-key"
	OpenAIKey          = "openai-key"
	GoogleAPIKey       = "google-api-key"
	GoogleOAuth        = "google-oauth"
	PrivateKey         = "private-key"
	JWT                = "jwt"
	NPMToken           = "npm-token"
	PyPIToken          = "pypi-token"
	HuggingFaceToken   = "huggingface-token"
	HerokuKey          = "heroku-key"
	CloudflareToken    = "cloudflare-token"
	TwilioAPIKey       = "twilio-api-key"
	SendGridKey        = "sendgrid-key"
	Authorization      = "authorization"
	URLPassword        = "url-password"
	GenericSecret      = "generic-secret"
)

// trigger marks the bytes where a match can begin: the first byte of a
// prefix, or a separator whose key or URL may announce one. Find looks at
// nothing else, which keeps text without secrets cheap.
var trigger = func() (t [256]uint8) {
	for _, c := range []byte("AgxsrenpShGHcy-") {
		t[c] = 1
	}
	t['='], t[':'] = 2, 2
	return t
}()

// Find returns the secrets in s, in order and without overlaps.
func Find(s string) []Match {
	var out []Match
	for i := 0; i < len(s); i++ {
		var m Match
		var ok bool
		switch trigger[s[i]] {
		case 0:
			continue
		case 1:
			// Tokens start a word. "_" and "-" join words too, so a run of
			// token bytes holds one candidate and failures cost linear time.
			if i > 0 && isTokenByte(s[i-1]) {
				continue
			}
			m, ok = tokenAt(s, i)
		case 2:
			m, ok = afterSeparator(s, i)
		}
		if ok {
			out = append(out, m)
			i = m.End - 1
		}
	}
	return out
}

// tokenAt matches a prefixed token starting at s[i].
func tokenAt(s string, i int) (Match, bool) {
	if i >= len(s) {
		return Match{}, false
	}
	t := s[i:]
	mk := func(kind string, n int) (Match, bool) { return Match{kind, i, i + n}, true }
	switch t[0] {
	case 'A':
		if len(t) >= 20 && isAWSPrefix(t[:4]) {
			n := 4 + span(t[4:], upperDigit)
			if n == 20 && (len(t) == 20 || !isAlnum(t[20])) {
				return mk(AWSAccessKeyID, 20)
			}
		}
		if strings.HasPrefix(t, "AIza") && span(t[4:], base64url) == 35 {
			return mk(GoogleAPIKey, 39)
		}
	case 'g':
		if len(t) > 4 && t[0] == 'g' && t[1] == 'h' && strings.IndexByte("pousr", t[2]) >= 0 && t[3] == '_' {
			if n := span(t[4:], alnum); n >= 30 {
				return mk(GitHubToken, 4+n)
			}
		}
		if strings.HasPrefix(t, "github_pat_") {
			if n := span(t[11:], alnumUnderscore); n >= 50 {
				return mk(GitHubToken, 11+n)
			}
		}
		for _, p := range [...]string{"glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-"} {
			if strings.HasPrefix(t, p) {
				if n := span(t[len(p):], gitlabChars); n >= 20 {
					return mk(GitLabToken, len(p)+n)
				}
			}
		}
	case 'x':
		for _, p := range [...]string{"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxe.xoxp-", "xapp-"} {
			if strings.HasPrefix(t, p) {
				n := span(t[len(p):], alnumDash)
				if n >= 20 && strings.ContainsAny(t[len(p):len(p)+n], "0123456789") {
					return mk(SlackToken, len(p)+n)
				}
			}
		}
	case 's':
		switch {
		case strings.HasPrefix(t, "sk_live_"):
			if n := span(t[8:], alnum); n >= 24 {
				return mk(StripeKey, 8+n)
			}
		case strings.HasPrefix(t, "sk-ant-"):
			if n := span(t[7:], base64url); n >= 32 {
				return mk(AnthropicKey, 7+n)
			}
		case strings.HasPrefix(t, "sk-"):
			for _, p := range [...]string{"sk-proj-", "sk-svcacct-", "sk-admin-"} {
				if strings.HasPrefix(t, p) {
					if n := span(t[len(p):], base64url); n >= 40 {
						return mk(OpenAIKey, len(p)+n)
					}
					return Match{}, false
				}
			}
			n := span(t[3:], alnum)
			if n >= 40 && classes(t[3:3+n]) >= 3 && (len(t) == 3+n || !isTokenByte(t[3+n])) { // sk-a-b-c… is prose
				return mk(OpenAIKey, 3+n)
			}
		}
	case 'r':
		if strings.HasPrefix(t, "rk_live_") {
			if n := span(t[8:], alnum); n >= 24 {
				return mk(StripeKey, 8+n)
			}
		}
	case 'e':
		if n := jwtLen(t); n > 0 {
			return mk(JWT, n)
		}
	case 'n':
		if strings.HasPrefix(t, "npm_") {
			if n := span(t[4:], alnum); n >= 36 {
				return mk(NPMToken, 4+n)
			}
		}
	case 'p':
		if strings.HasPrefix(t, "pypi-AgE") {
			if n := span(t[8:], base64url); n >= 50 {
				return mk(PyPIToken, 8+n)
			}
		}
	case 'S':
		if strings.HasPrefix(t, "SG.") {
			a := span(t[3:], base64url)
			if a == 22 && len(t) > 26 && t[25] == '.' && span(t[26:], base64url) == 43 {
				return mk(SendGridKey, 69)
			}
		}
		if strings.HasPrefix(t, "SK") && span(t[2:], lowerHex) == 32 && (len(t) == 34 || !isAlnum(t[34])) {
			return mk(TwilioAPIKey, 34)
		}
	case 'h':
		if strings.HasPrefix(t, "hf_") {
			if n := span(t[3:], alnum); n >= 30 {
				return mk(HuggingFaceToken, 3+n)
			}
		}
		if strings.HasPrefix(t, "hooks.slack.com/services/T") {
			const p = len("hooks.slack.com/services/")
			n := span(t[p:], slackHookChars)
			if n >= 20 && strings.Count(t[p:p+n], "/") >= 2 {
				return mk(SlackWebhook, p+n)
			}
		}
	case 'G':
		if strings.HasPrefix(t, "GOCSPX-") {
			if n := span(t[7:], base64url); n >= 24 {
				return mk(GoogleOAuth, 7+n)
			}
		}
	case 'y':
		if strings.HasPrefix(t, "ya29.") {
			if n := span(t[5:], base64url); n >= 30 {
				return mk(GoogleOAuth, 5+n)
			}
		}
	case 'H':
		if strings.HasPrefix(t, "HRKU-") {
			if n := span(t[5:], base64url); n >= 30 {
				return mk(HerokuKey, 5+n)
			}
		}
	case 'c':
		for _, p := range [...]string{"cfk_", "cfut_", "cfat_"} {
			if strings.HasPrefix(t, p) {
				if n := span(t[len(p):], alnum); n >= 40 {
					return mk(CloudflareToken, len(p)+n)
				}
			}
		}
	case '-':
		if n := pemLen(t); n > 0 {
			return mk(PrivateKey, n)
		}
		if strings.HasPrefix(t, "--") && len(t) > 2 && isAlnum(t[2]) {
			return flagValue(s, i)
		}
	}
	return Match{}, false
}

func isAWSPrefix(p string) bool {
	switch p {
	case "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA", "ABIA", "ACCA":
		return true
	}
	return false
}

// jwtLen returns the length of a JWT at the start of t, or 0.
func jwtLen(t string) int {
	if !strings.HasPrefix(t, "eyJ") {
		return 0
	}
	h := span(t, base64url)
	if h < 10 || len(t) <= h || t[h] != '.' || !strings.HasPrefix(t[h+1:], "eyJ") {
		return 0
	}
	p := span(t[h+1:], base64url)
	if p < 10 || len(t) <= h+1+p || t[h+1+p] != '.' {
		return 0
	}
	sig := span(t[h+2+p:], base64url)
	if sig < 16 {
		return 0
	}
	return h + 2 + p + sig
}

// pemLen returns the length of a PEM private key at the start of t: the
// header, and the block through its END line when there is one.
func pemLen(t string) int {
	const begin = "-----BEGIN "
	if !strings.HasPrefix(t, begin) {
		return 0
	}
	line := t[len(begin):]
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	end := strings.Index(line, "-----")
	if end < 0 || end > 40 || !strings.HasSuffix(line[:end], "PRIVATE KEY") && !strings.HasSuffix(line[:end], "PRIVATE KEY BLOCK") {
		return 0
	}
	label := line[:end]
	n := len(begin) + end + 5
	footer := "-----END " + label + "-----"
	body := t[n:]
	if len(body) > maxPEM {
		body = body[:maxPEM]
	}
	if j := strings.Index(body, footer); j >= 0 {
		return n + j + len(footer)
	}
	return n
}

// maxPEM bounds the search for a PEM block's END line: a 4096-bit RSA key
// is about 3.3 KB.
const maxPEM = 16 << 10

// maxValue bounds an assignment's value, so a text of many separators
// costs at most this much per separator.
const maxValue = 512

// afterSeparator matches what a "=" or ":" at s[i] introduces: a URL's
// password, a header's credentials, or a secret-named key's value.
func afterSeparator(s string, i int) (Match, bool) {
	if s[i] == ':' && strings.HasPrefix(s[i+1:], "//") {
		return urlPassword(s, i+3)
	}
	key := keyBefore(s, i)
	if key == "" || !SecretEnvName(key) && !isAuthorizationKey(key) && !(len(key) >= 15 && isAWSSecretKey(key)) {
		return Match{}, false // a token in the value is found when the scan gets there
	}
	v, end := valueAfter(s, i+1)
	if v == end {
		return Match{}, false
	}
	if m, ok := tokenAt(s, v); ok && !isTokenByte(s[v-1]) {
		return m, true
	}
	val := s[v:end]
	switch {
	case isAuthorizationKey(key):
		return authorization(s, v, end)
	case isAWSSecretKey(key):
		if len(val) == 40 && span(val, awsSecretChars) == 40 {
			return Match{AWSSecretAccessKey, v, end}, true
		}
	}
	if genericValue(val) {
		return Match{GenericSecret, v, end}, true
	}
	return Match{}, false
}

// flagValue matches "--secret-name value" and "--secret-name=value" at
// s[i]; the "=" form is also found through afterSeparator.
func flagValue(s string, i int) (Match, bool) {
	j := i + 2 + span(s[i+2:], keyChars)
	if j >= len(s) || s[j] != ' ' || !SecretEnvName(s[i+2:j]) {
		return Match{}, false
	}
	v, end := valueAfter(s, j)
	if v == end {
		return Match{}, false
	}
	if m, ok := tokenAt(s, v); ok {
		return m, true
	}
	if genericValue(s[v:end]) {
		return Match{GenericSecret, v, end}, true
	}
	return Match{}, false
}

// keyBefore returns the key name before a separator at s[i]: letters,
// digits and "_.-", past spaces and one closing quote, without leading
// dashes.
func keyBefore(s string, i int) string {
	j := i
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	if j > 0 && (s[j-1] == '"' || s[j-1] == '\'') {
		j--
	}
	k := j
	for k > 0 && keyChars.has(s[k-1]) && j-k < 64 {
		k--
	}
	return strings.TrimLeft(s[k:j], "-")
}

// valueAfter returns the bounds of the value starting after a separator
// ending at s[i-1]: past spaces, inside quotes if quoted (to the closing
// quote or the end of the line), otherwise up to a space, quote or
// delimiter.
func valueAfter(s string, i int) (start, end int) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		q := s[i]
		i++
		end = i
		for end < len(s) && end-i < maxValue && s[end] != q && s[end] != '\n' {
			end++
		}
		return i, end
	}
	end = i
	for end < len(s) && end-i < maxValue && !valueStop.has(s[end]) {
		end++
	}
	return i, end
}

// urlPassword matches the password of "scheme://user:password@host" where
// the authority starts at s[i].
func urlPassword(s string, i int) (Match, bool) {
	end := i
	for end < len(s) && end-i < maxValue && !authorityStop.has(s[end]) {
		end++
	}
	at := strings.LastIndexByte(s[i:end], '@')
	if at < 0 {
		return Match{}, false
	}
	colon := strings.IndexByte(s[i:i+at], ':')
	if colon < 0 || colon == at-1 {
		return Match{}, false
	}
	p, q := i+colon+1, i+at
	if placeholder(s[p:q]) {
		return Match{}, false
	}
	return Match{URLPassword, p, q}, true
}

// authorization matches the credentials of an Authorization header value
// s[v:end]: "Scheme credentials", or bare credentials.
func authorization(s string, v, end int) (Match, bool) {
	c := v
	if sp := strings.IndexByte(s[v:end], ' '); sp >= 0 {
		c = v + sp + 1
	} else if end < len(s) && s[end] == ' ' {
		// Unquoted: "Authorization: Bearer abc" stops at the space.
		c, end = valueAfter(s, end)
	}
	for c < end && s[c] == ' ' {
		c++
	}
	cred := s[c:end]
	if m, ok := tokenAt(s, c); ok {
		return m, true
	}
	if len(cred) < 8 || strings.ContainsAny(cred, " \t") || placeholder(cred) {
		return Match{}, false
	}
	return Match{Authorization, c, end}, true
}

func isAuthorizationKey(k string) bool {
	return len(k) >= 13 && (strings.EqualFold(k, "authorization") || strings.EqualFold(k, "proxy-authorization"))
}

// isAWSSecretKey reports whether a key names an AWS secret access key in
// any spelling: aws_secret_access_key, SecretAccessKey, secret-access-key.
func isAWSSecretKey(k string) bool {
	var b [64]byte
	n := 0
	for i := 0; i < len(k) && n < len(b); i++ {
		if c := k[i]; isAlnum(c) {
			b[n] = c | 0x20
			n++
		}
	}
	return strings.Contains(string(b[:n]), "secretaccesskey")
}

// genericValue reports whether an assignment's value is a secret: long,
// varied and random enough, and not a placeholder.
func genericValue(v string) bool {
	return len(v) >= 12 && !strings.ContainsAny(v, " \t") && classes(v) >= 2 && entropy(v) >= 3.0 && !placeholder(v)
}

// placeholder reports whether v stands for a secret rather than being one.
func placeholder(v string) bool {
	if v == "" {
		return true
	}
	switch v[0] {
	case '$', '%', '<', '{', '*', '[', '(', '`':
		return true
	}
	if strings.Contains(v, "${") || strings.Contains(v, "{{") || strings.Count(v, "*") >= 3 {
		return true
	}
	if strings.Trim(v, v[:1]) == "" {
		return true // "xxxxxxxx", "--------"
	}
	for _, w := range placeholderWords {
		if containsFold(v, w) {
			return true
		}
	}
	return false
}

// placeholderWords mark the values of documentation and templates
// ("your-api-key-here", "EXAMPLE_TOKEN_1234"); random secrets do not
// contain them.
var placeholderWords = []string{"example", "changeme", "redacted", "placeholder", "xxxx", "dummy", "your-", "your_", "-here", "_here"}

// classes counts the character classes in v: lower, upper, digit, other.
func classes(v string) int {
	var lo, up, di, ot int
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case 'a' <= c && c <= 'z':
			lo = 1
		case 'A' <= c && c <= 'Z':
			up = 1
		case '0' <= c && c <= '9':
			di = 1
		default:
			ot = 1
		}
	}
	return lo + up + di + ot
}

// entropy is the Shannon entropy of v's bytes, in bits per byte.
func entropy(v string) float64 {
	var counts [256]int
	for i := 0; i < len(v); i++ {
		counts[v[i]]++
	}
	n := float64(len(v))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// byteSet is a set of bytes.
type byteSet [256]bool

func (b *byteSet) has(c byte) bool { return b[c] }

func set(parts ...string) *byteSet {
	var b byteSet
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			b[p[i]] = true
		}
	}
	return &b
}

const (
	lowers = "abcdefghijklmnopqrstuvwxyz"
	uppers = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits = "0123456789"
)

var (
	alnum           = set(lowers, uppers, digits)
	alnumUnderscore = set(lowers, uppers, digits, "_")
	alnumDash       = set(lowers, uppers, digits, "-")
	upperDigit      = set(uppers, digits)
	base64url       = set(lowers, uppers, digits, "_-")
	gitlabChars     = set(lowers, uppers, digits, "_-.")
	slackHookChars  = set(lowers, uppers, digits, "/")
	lowerHex        = set(digits, "abcdef")
	awsSecretChars  = set(lowers, uppers, digits, "/+")
	keyChars        = set(lowers, uppers, digits, "_.-")
	tokenBytes      = set(lowers, uppers, digits, "_-")
	valueStop       = set(" \t\r\n\"'`&;,<>()[]{}|")
	authorityStop   = set(" \t\r\n\"'`/?#<>")
)

func span(s string, b *byteSet) int {
	for i := 0; i < len(s); i++ {
		if !b[s[i]] {
			return i
		}
	}
	return len(s)
}

func isAlnum(c byte) bool     { return alnum[c] }
func isTokenByte(c byte) bool { return tokenBytes[c] }
