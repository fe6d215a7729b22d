package secrets

import "strings"

// SecretEnvName reports whether an environment variable (or a key in an
// assignment) of this name holds a secret, by the rules in the package
// documentation. It does not allocate.
func SecretEnvName(name string) bool {
	if len(name) == len("GOOGLE_APPLICATION_CREDENTIALS") && strings.EqualFold(name, "GOOGLE_APPLICATION_CREDENTIALS") {
		return false // a path to a file, which the policy's file lists protect
	}
	lastRaw, rest := lastWord(name)
	if lastRaw == "" {
		return false
	}
	var buf [16]byte
	last := wordFlags[string(upper(lastRaw, &buf))]
	switch {
	case last&urlWord != 0:
		return anyWord(rest, connectionWord)
	case last&referenceWord != 0:
		return false
	case last&secretWord != 0:
		return true
	case hasSuffixFold(lastRaw, "TOKEN"), hasSuffixFold(lastRaw, "PASSWORD"), hasSuffixFold(lastRaw, "PASSWD"),
		hasSuffixFold(lastRaw, "SECRET"), hasSuffixFold(lastRaw, "APIKEY"):
		return true // PGPASSWORD, NGROK_AUTHTOKEN
	case last&(pwdWord|keyWord|stringWord) != 0:
		prevRaw, _ := lastWord(rest)
		prev := wordFlags[string(upper(prevRaw, &buf))]
		switch {
		case last&pwdWord != 0:
			return prevRaw != "" // PWD and OLDPWD are directories; MYSQL_PWD is a password
		case last&keyWord != 0:
			return prev&keyQualifier != 0
		default:
			return prev&connectionQualifier != 0
		}
	}
	return containsFold(rest, "secret") && anyWord(rest, secretMiddle)
}

// Flags of the words SecretEnvName knows, in upper case.
const (
	secretWord          = 1 << iota // ends a secret's name: GITHUB_TOKEN
	referenceWord                   // ends a name of something about a secret: AWS_ACCESS_KEY_ID
	urlWord                         // URL, URI: a secret after a connectionWord
	connectionWord                  // DATABASE_URL, REDIS_URL
	keyWord                         // KEY: a secret after a keyQualifier
	keyQualifier                    // API_KEY, not SORT_KEY
	pwdWord                         // PWD: a secret after another word
	stringWord                      // STRING: a secret after CONNECTION
	connectionQualifier             // CONNECTION
	secretMiddle                    // SECRET anywhere before the last word
)

var wordFlags = func() map[string]uint16 {
	m := map[string]uint16{}
	add := func(flag uint16, words string) {
		for _, w := range strings.Fields(words) {
			m[w] |= flag
		}
	}
	add(secretWord, "TOKEN SECRET PASSWORD PASSWD PASS PASSPHRASE APIKEY CREDENTIALS CREDENTIAL DSN AUTH COOKIE WEBHOOK")
	add(referenceWord, `ID IDS NAME ARN FILE PATH DIR TTY SOCK SOCKET HOST PORT ENDPOINT REGION TYPE EXPIRATION
		EXPIRY EXPIRES TTL LENGTH PROVIDER HELPER COMMAND CMD ENABLED`)
	add(urlWord, "URL URI")
	add(connectionWord, `DATABASE DB POSTGRES POSTGRESQL PG MYSQL MARIADB MONGO MONGODB REDIS AMQP RABBITMQ
		BROKER ELASTICSEARCH OPENSEARCH CLICKHOUSE SMTP WEBHOOK`)
	add(keyWord, "KEY")
	add(keyQualifier, "API ACCESS PRIVATE SECRET AUTH SIGNING ENCRYPTION MASTER ACCOUNT")
	add(pwdWord, "PWD")
	add(stringWord, "STRING")
	add(connectionQualifier, "CONNECTION")
	add(secretMiddle, "SECRET")
	return m
}()

// lastWord returns the last run of letters and digits in name and what
// comes before it.
func lastWord(name string) (word, rest string) {
	j := len(name)
	for j > 0 && !isAlnum(name[j-1]) {
		j--
	}
	i := j
	for i > 0 && isAlnum(name[i-1]) {
		i--
	}
	return name[i:j], name[:i]
}

// upper returns w in upper case in buf, or nothing when it does not fit
// (no word in the tables is that long).
func upper(w string, buf *[16]byte) []byte {
	if len(w) > len(buf) {
		return nil
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(w)]
}

// anyWord reports whether a word of s has flag.
func anyWord(s string, flag uint16) bool {
	var buf [16]byte
	for s != "" {
		var w string
		w, s = lastWord(s)
		if w == "" {
			return false
		}
		if wordFlags[string(upper(w, &buf))]&flag != 0 {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains sub, ignoring ASCII case; sub
// must be lower case.
func containsFold(s, sub string) bool {
	c := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		b := s[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if b == c && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func hasSuffixFold(w, suffix string) bool {
	return len(w) >= len(suffix) && strings.EqualFold(w[len(w)-len(suffix):], suffix)
}
