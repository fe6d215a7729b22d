// Package secrets finds secrets in text that is about to leave the
// machine: URLs, headers, bodies, DNS names, command arguments. It knows
// the shapes of keys, not their validity: a match is a string that looks
// like a live credential.
//
// # What Find reports
//
// Each Match has a Kind naming the shape:
//
//   - aws-access-key-id: AKIA, ASIA, AGPA, AIDA, AROA, AIPA, ANPA, ANVA,
//     APKA, ABIA or ACCA followed by exactly 16 of [A-Z0-9], as a whole
//     word. AWS's documentation example (AKIAIOSFODNN7EXAMPLE) is
//     reported too: Find sees text about to leave the machine, where a
//     key's shape is all there is to judge (docs/decisions.md);
//   - aws-secret-access-key: 40 of [A-Za-z0-9/+] only when labelled by a
//     key whose name contains "secret access key" in any spelling
//     (aws_secret_access_key=, "SecretAccessKey": , AWS_SECRET_ACCESS_KEY:);
//   - github-token: ghp_, gho_, ghu_, ghs_ or ghr_ and 30 or more
//     alphanumerics (issued tokens have 36; the prefix and a long run are
//     the shape, and a shortened copy still names the account); github_pat_ and 50 or more of [A-Za-z0-9_];
//   - gitlab-token: glpat-, gldt-, glrt-, glptt-, glcbt- or gloas- and 20
//     or more of [A-Za-z0-9_.-];
//   - slack-token: xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-, xoxe.xoxp- or
//     xapp- and 20 or more of [A-Za-z0-9-] with a digit;
//     slack-webhook: hooks.slack.com/services/T…/B…/…;
//   - stripe-key: sk_live_ or rk_live_ and 24 or more alphanumerics (test
//     keys, sk_test_, reach only test data and are not reported);
//   - anthropic-key: sk-ant- and 32 or more of [A-Za-z0-9_-];
//   - openai-key: sk-proj-, sk-svcacct- or sk-admin- and 40 or more of
//     [A-Za-z0-9_-], or sk- and 40 or more alphanumerics mixing upper case,
//     lower case and digits (so "sk-learn" and prose are not keys);
//   - google-api-key: AIza and exactly 35 of [A-Za-z0-9_-];
//     google-oauth: GOCSPX- client secrets and ya29. access tokens;
//   - private-key: a PEM "-----BEGIN … PRIVATE KEY-----" header, through its
//     END line when there is one;
//   - jwt: three base64url parts, the first two starting "eyJ" (a JSON
//     object), the signature 16 characters or more;
//   - npm-token: npm_ and 36 or more alphanumerics; pypi-token: pypi-AgE
//     and 50 or more of [A-Za-z0-9_-]; huggingface-token: hf_ and 30 or
//     more alphanumerics; heroku-key: HRKU- and 30 or more of [A-Za-z0-9_-];
//     cloudflare-token: cfk_, cfut_ or cfat_ and 40 or more alphanumerics;
//   - twilio-api-key: SK and exactly 32 lower-case hex digits;
//     sendgrid-key: SG., 22 of [A-Za-z0-9_-], ".", 43 of [A-Za-z0-9_-];
//   - authorization: the credentials of an "Authorization:" or
//     "Proxy-Authorization:" header (Bearer, Basic, Token, Bot …);
//   - url-password: the password in a URL's userinfo
//     ("postgres://app:s3cr3t@db/…");
//   - generic-secret: the value of an assignment ("key=value",
//     "key: value", "--key=value", "--key value", JSON and YAML pairs) whose key
//     SecretEnvName accepts (password, token, api_key, client_secret …),
//     when the value is 12 bytes or more, has no space, mixes at least two
//     of lower case, upper case, digits and symbols, has a Shannon entropy
//     of at least 3.0 bits per byte, and is not a placeholder ($VAR, ${…},
//     %VAR%, <…>, {{…}}, ***, one character repeated, or a value with
//     "example", "changeme", "redacted", "placeholder", "dummy", "xxxx",
//     "your-" or "-here" in it). 3.0 bits is 8 distinct symbols used
//     equally: a random 12-character password clears it, "aaaaaaaa1111"
//     and "abcabcabc123" do not. The same placeholder rules apply to
//     url-password and authorization.
//
// Prefixed tokens must start a word (the byte before is not a letter, a
// digit, "_" or "-"), so they are not found inside longer identifiers. Matches are in
// order and do not overlap; where an assignment's value is itself a known
// token, the token's kind is reported.
//
// # What SecretEnvName accepts
//
// A name is split into words at every byte that is not a letter or digit
// and compared without regard to case. It holds a secret when
//
//   - its last word is TOKEN, SECRET, PASSWORD, PASSWD, PASS, PASSPHRASE, APIKEY,
//     CREDENTIALS, CREDENTIAL, DSN, AUTH, COOKIE or WEBHOOK, or ends in
//     TOKEN, PASSWORD, PASSWD, SECRET or APIKEY (PGPASSWORD,
//     NGROK_AUTHTOKEN), or is PWD after another word (MYSQL_PWD; PWD and
//     OLDPWD are directories);
//   - its last two words are API KEY, ACCESS KEY, PRIVATE KEY, SECRET KEY,
//     AUTH KEY, SIGNING KEY, ENCRYPTION KEY, MASTER KEY, ACCOUNT KEY or
//     CONNECTION STRING;
//   - it ends in URL or URI after a database or broker word (DATABASE_URL,
//     REDIS_URL, MONGODB_URI, AMQP_URL …) or after WEBHOOK
//     (SLACK_WEBHOOK_URL): such URLs carry passwords and tokens;
//   - a word before the last is SECRET and the last word does not name
//     something else (CLIENT_SECRET_VALUE is a secret, DB_SECRET_NAME and
//     SECRET_ARN are not).
//
// It never holds one when its last word names a reference to a secret
// rather than the secret: ID, IDS, NAME, ARN, FILE, PATH, DIR, URL, URI,
// TTY, SOCK, SOCKET, HOST, PORT, ENDPOINT, REGION, TYPE, EXPIRATION,
// EXPIRY, EXPIRES, TTL, LENGTH, PROVIDER, HELPER, COMMAND, CMD, ENABLED
// (outside the URL rule above). So AWS_ACCESS_KEY_ID is not a secret: it
// names a key and is useless without AWS_SECRET_ACCESS_KEY, and policies
// that want to hide it too can say so. TOKENIZERS_PARALLELISM,
// PASSWORD_STORE_DIR, *_TOKEN_URL, *_PASSWORD_FILE, SSH_AUTH_SOCK,
// GPG_TTY and KUBECONFIG are not secrets; GOOGLE_APPLICATION_CREDENTIALS
// is a path to a file, and the file is what the policy's file lists
// protect, so it is not one either.
//
// # Caveats
//
//   - Shapes, not proof: a random string with a key's prefix is reported,
//     and a key in an unknown format is not, unless it is labelled.
//   - Encoded secrets are not found: base64, hex, URL-encoding, or a token
//     split across DNS labels or lower-cased in a DNS name.
//   - Unlabelled AWS secret keys, Twilio auth tokens and passwords that
//     follow a short flag ("-pSECRET", "-p SECRET") are not found: they
//     have no shape to tell them from other text. Labelled values below
//     the generic thresholds (password=hunter2) are not found either.
package secrets
