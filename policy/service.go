package policy

import "strings"

// Remote services' command-line clients (cloud providers, hosting
// platforms, schedulers, image and package registries, database migration
// tools): what a command does to the service is in its verbs, not in the
// files it touches on this machine, so the shell analysis alone sees an
// `aws ecs update-service` as a command that stays in the project. serviceOp
// reads the operation from the arguments by each client's grammar and says
// whether it only reads the service or changes it; c.service is the fact
// ("read", "change" or "" for a command that is no such client), and
// c.env of these clients also takes production and staging names from
// every argument (a cluster, function, bucket, app or stack named prod).

// serviceClients are the clients whose operations serviceOp classifies.
var serviceClients = map[string]bool{
	"aws": true, "gcloud": true, "gsutil": true, "az": true, "doctl": true, "hcloud": true, "linode-cli": true,
	"oci": true, "ibmcloud": true, "scw": true, "exo": true, "vultr-cli": true, "aliyun": true,
	"heroku": true, "fly": true, "flyctl": true, "nomad": true, "packer": true, "vercel": true, "netlify": true,
	"railway": true, "render": true, "wrangler": true, "firebase": true, "supabase": true,
	"oras": true, "crane": true, "skopeo": true, "ko": true,
}

// serviceReadVerbs are operations that only read (any client).
var serviceReadVerbs = map[string]bool{
	"list": true, "ls": true, "describe": true, "get": true, "show": true, "info": true, "status": true,
	"logs": true, "log": true, "tail": true, "view": true, "whoami": true, "version": true, "help": true,
	"wait": true, "search": true, "lookup": true, "explain": true, "preview": true, "diff": true,
	"validate": true, "inspect": true, "history": true, "outputs": true, "query": true, "scan": true,
	"estimate": true, "simulate": true, "check": true, "config": true, "auth": true, "login": true,
	"components": true, "account": true, "info-json": true, "fmt": true, "init": true, "pull": true,
	"plan": true, "verify": true, "dev": true, "serve": true, "start-local": true, "test": true,
	"docs": true, "completion": true, "open": true,
}

// serviceChangeVerbs are operations that change the service (any client);
// verbs that begin with one of servicePrefixes (add-iam-policy-binding,
// create-bucket, set-desired-capacity) count too.
var serviceChangeVerbs = map[string]bool{
	"create": true, "delete": true, "update": true, "deploy": true, "set": true, "start": true, "stop": true,
	"restart": true, "reset": true, "resize": true, "patch": true, "import": true, "enable": true,
	"disable": true, "submit": true, "apply": true, "rollback": true, "restore": true, "promote": true,
	"scale": true, "attach": true, "detach": true, "add": true, "remove": true, "assign": true, "purge": true,
	"upgrade": true, "swap": true, "invoke": true, "run": true, "push": true, "publish": true, "release": true,
	"destroy": true, "up": true, "down": true, "migrate": true, "rm": true, "mb": true, "rb": true,
	"build": true, "copy": true, "cp": true, "tag": true, "upload": true, "redeploy": true, "suspend": true,
	"resume": true, "terminate": true, "reboot": true, "drain": true, "put": true, "write": true,
	"modify": true, "revoke": true, "grant": true, "authorize": true, "rotate": true, "move": true,
	"mv": true, "rename": true, "replace": true, "register": true, "deregister": true, "unregister": true,
	"sync": true, "repair": true, "redo": true, "fix": true, "baseline": true, "clean": true, "reconcile": true,
	"rebuild": true, "ssh": true, "console": true, "exec": true,
}

var servicePrefixes = []string{"create-", "delete-", "update-", "put-", "set-", "add-", "remove-", "start-", "stop-",
	"modify-", "attach-", "detach-", "associate-", "disassociate-", "authorize-", "revoke-", "register-",
	"deregister-", "enable-", "disable-", "terminate-", "reboot-", "run-", "invoke", "publish", "send-",
	"change-", "replace-", "import-", "restore-", "reset-", "rotate-", "tag-", "untag-", "upload-", "copy-",
	"cancel-", "execute-", "apply-", "deploy", "promote-", "reject-", "accept-", "allocate-", "release-",
	"assume-", "grant-", "purge-", "force-", "resize-", "scale-", "suspend-", "resume-", "migrate-"}

// serviceReadPrefixes are aws-style operations that only read.
var serviceReadPrefixes = []string{"describe-", "list-", "get-", "head-", "search-", "lookup-", "batch-get-",
	"filter-", "test-", "validate-", "estimate-", "simulate-", "preview-", "check-", "detect-", "query", "scan",
	"select-", "download-", "generate-", "decode-", "wait"}

// serviceValueFlags are options of these clients whose value is the next
// argument (so that it is not read as a verb).
var serviceValueFlags = map[string]bool{
	"--profile": true, "--region": true, "--output": true, "-o": true, "--project": true, "--zone": true,
	"--format": true, "-g": true, "--resource-group": true, "--subscription": true, "-a": true, "--app": true,
	"--context": true, "--endpoint-url": true, "--query": true, "-c": true, "--config": true, "-r": true,
	"--remote": true, "-s": true, "--stack": true, "--address": true, "-address": true, "-var-file": true,
	"-var": true, "--env": true, "-e": true, "--name": true, "-n": true, "--org": true, "--team": true,
	"--scope": true, "-p": true, "--account": true, "--cwd": true, "-path": true, "-database": true,
	"--database": true, "--url": true, "-url": true, "--dir": true, "-dir": true, "--platform": true,
}

// serviceOp says what a service client's command does to the service:
// "read", "change", or "" when name is no such client or the command only
// touches this machine (a configuration or login of the client itself).
func serviceOp(name string, args []string) string {
	if !serviceClients[name] {
		return ""
	}
	words := serviceWords(args)
	switch name {
	case "aws":
		if len(words) == 0 {
			return ""
		}
		if words[0] == "configure" || words[0] == "help" || words[0] == "sso" {
			return "" // the client's own configuration (a secret printed is its own rule)
		}
		if words[0] == "s3" {
			return s3Op(words[1:], args)
		}
		if len(words) < 2 {
			return "read"
		}
		return verbOp(words[1])
	case "gsutil":
		if len(words) > 0 {
			switch words[0] {
			case "ls", "cat", "du", "stat", "hash", "version", "help":
				return "read"
			case "cp", "rsync", "mv":
				if last := lastPositional(args); strings.HasPrefix(last, "gs://") {
					return "change"
				}
				return "read"
			}
		}
		return "change"
	case "ko":
		// ko build and ko resolve push the images they build unless told
		// to keep them local.
		for _, a := range args {
			if a == "--local" || a == "-L" || a == "--push=false" || strings.HasPrefix(a, "--tarball") {
				return ""
			}
		}
		if len(words) > 0 && (words[0] == "build" || words[0] == "publish" || words[0] == "resolve" || words[0] == "apply" || words[0] == "create") {
			return "change"
		}
		return ""
	case "packer":
		if len(words) > 0 && words[0] == "build" {
			return "change"
		}
		return ""
	case "heroku":
		// heroku verbs are topic:command (config:set, ps:scale, pg:info).
		if len(words) == 0 {
			return ""
		}
		topic, cmd, _ := strings.Cut(words[0], ":")
		if topic == "login" || topic == "auth" || topic == "help" || topic == "update" || topic == "plugins" || topic == "autocomplete" {
			return ""
		}
		if topic == "run" || topic == "restart" || topic == "open" && cmd == "" {
			if topic == "open" {
				return "read"
			}
			return "change"
		}
		if cmd == "" {
			return "read" // heroku apps, heroku logs, heroku ps: listings
		}
		switch cmd {
		case "unset", "remove", "attach", "detach", "rollback", "promote", "transfer":
			return "change" // config:unset, domains:remove, releases:rollback…
		}
		return verbOp(cmd)
	case "supabase":
		// The local stack (start, stop, status, db reset, functions serve)
		// is this machine's; pushes and deploys go to the linked project.
		for _, w := range words {
			switch w {
			case "push", "deploy", "delete", "set", "unset", "create", "update", "upgrade", "restore", "pause":
				return "change"
			}
		}
		return ""
	}
	if (name == "vercel" || name == "netlify") && len(words) > 0 && words[0] == "build" {
		return "" // builds the site on this machine (deploy is its own verb)
	}
	// Group-and-verb clients (gcloud, az, doctl, hcloud, fly, nomad, …):
	// the last word that is a verb decides (gcloud run services list
	// reads; gcloud run deploy api changes).
	op := ""
	for i, w := range words {
		if i == 0 {
			switch w {
			case "config", "auth", "login", "logout", "components", "account", "completion", "help", "version":
				return ""
			}
		}
		if v := groupVerbOp(w); v != "" {
			op = v
		}
	}
	if op == "" {
		return "read"
	}
	return op
}

// groupVerbOp classifies a word of a group-and-verb client: the verbs
// themselves and the compound verbs such clients use (add-iam-policy-
// binding, set-iam-policy, get-credentials); resource names that merely
// start like an aws operation (test-vm, list-archive) are not verbs.
func groupVerbOp(w string) string {
	w = strings.ToLower(w)
	if serviceReadVerbs[w] {
		return "read"
	}
	if serviceChangeVerbs[w] {
		return "change"
	}
	for _, p := range []string{"get-", "list-", "describe-"} {
		if strings.HasPrefix(w, p) {
			return "read"
		}
	}
	for _, p := range []string{"add-", "remove-", "set-", "create-", "delete-", "update-"} {
		if strings.HasPrefix(w, p) {
			return "change"
		}
	}
	return ""
}

// verbOp classifies one verb ("update-service", "create", "get-object").
func verbOp(w string) string {
	w = strings.ToLower(w)
	if serviceReadVerbs[w] {
		return "read"
	}
	for _, p := range serviceReadPrefixes {
		if strings.HasPrefix(w, p) {
			return "read"
		}
	}
	if serviceChangeVerbs[w] {
		return "change"
	}
	for _, p := range servicePrefixes {
		if strings.HasPrefix(w, p) {
			return "change"
		}
	}
	return ""
}

// s3Op: aws s3 ls/presign read; cp, sync and mv change the bucket when the
// destination is one; rm, mb, rb, website change it.
func s3Op(words, args []string) string {
	if len(words) == 0 {
		return "read"
	}
	switch words[0] {
	case "ls", "presign":
		return "read"
	case "cp", "sync", "mv":
		if strings.HasPrefix(lastPositional(args), "s3://") {
			return "change"
		}
		return "read"
	}
	return "change"
}

// serviceWords are the arguments that are not options or option values.
func serviceWords(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			if !strings.Contains(a, "=") && serviceValueFlags[a] {
				i++
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

func lastPositional(args []string) string {
	for i := len(args) - 1; i >= 0; i-- {
		if !strings.HasPrefix(args[i], "-") {
			return args[i]
		}
	}
	return ""
}

// serviceEnv is the environment that a service client's arguments name:
// any argument or option value naming production or staging (a cluster
// prod, a function prod-api, a bucket acme-prod-assets, an app acme-prod,
// a URL of prod-db.acme.internal, $PROD_DATABASE_URL).
func serviceEnv(args []string) string {
	env := ""
	for _, a := range args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		switch e := nameEnv(a); e {
		case envProduction, envStaging:
			env = maxEnv(env, e)
		}
	}
	return env
}

// composeFileEnv: `docker compose -f docker-compose.prod.yml up` brings up
// the stack a production file describes (with its hosts, volumes and
// secrets); "" unless a compose file or env file names production or
// staging and the command changes the stack.
func composeFileEnv(name string, args []string) string {
	switch name {
	case "docker", "podman":
		if len(args) == 0 || args[0] != "compose" {
			return ""
		}
		args = args[1:]
	case "docker-compose", "podman-compose":
	default:
		return ""
	}
	env, verb := "", ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-f" || a == "--file" || a == "--env-file" || a == "-p" || a == "--project-name":
			if i+1 < len(args) {
				i++
				if e := nameEnv(args[i]); e == envProduction || e == envStaging {
					env = maxEnv(env, e)
				}
			}
		case strings.HasPrefix(a, "--file=") || strings.HasPrefix(a, "--env-file=") || strings.HasPrefix(a, "--project-name="):
			_, v, _ := strings.Cut(a, "=")
			if e := nameEnv(v); e == envProduction || e == envStaging {
				env = maxEnv(env, e)
			}
		case !strings.HasPrefix(a, "-") && verb == "":
			verb = a
		}
	}
	switch verb {
	case "up", "down", "restart", "rm", "stop", "start", "run", "exec", "kill", "create", "scale", "push", "cp", "pause":
		return env
	}
	return ""
}

// frameworkMigrate reports a framework's or migration tool's task that
// applies schema migrations (a write to the application's database; where
// it runs is c.env: context.environment, RAILS_ENV=…, --env production).
func frameworkMigrate(name string, args []string) bool {
	words := " " + strings.Join(args, " ") + " "
	has := func(ws ...string) bool {
		for _, w := range ws {
			if strings.Contains(words, " "+w+" ") {
				return true
			}
		}
		return false
	}
	switch name {
	case "rails", "rake", "bin/rails":
		return has("db:migrate", "db:rollback", "db:seed")
	case "python", "python3", "manage.py", "django-admin":
		return has("migrate") && (strings.Contains(words, "manage.py") || name == "manage.py" || name == "django-admin")
	case "php", "artisan":
		return has("migrate", "db:seed") && (name == "artisan" || strings.Contains(words, "artisan"))
	case "npx", "pnpx", "bunx", "prisma", "pnpm", "yarn", "bun":
		return strings.Contains(words, "prisma migrate deploy") || strings.Contains(words, "prisma db push") || strings.Contains(words, " migrate:latest ") ||
			strings.Contains(words, " db:migrate ") || strings.Contains(words, "migration:run")
	case "knex", "sequelize", "typeorm":
		return has("migrate:latest", "db:migrate", "migration:run", "seed:run", "db:seed:all")
	case "dotnet":
		return strings.Contains(words, " ef database update")
	case "mix":
		return has("ecto.migrate", "ecto.rollback")
	case "alembic":
		return has("upgrade", "downgrade")
	case "supabase":
		return strings.Contains(words, " db push ") || strings.Contains(words, " migration up ")
	case "flyway":
		return has("migrate", "repair", "baseline", "undo")
	case "liquibase":
		return has("update", "update-count", "update-to-tag", "rollback", "rollback-count")
	case "migrate", "goose", "dbmate":
		return has("up", "down", "goto", "force", "migrate", "rollback", "up-by-one", "up-to", "down-to", "redo")
	case "sqitch":
		return has("deploy", "revert", "rebase")
	case "atlas":
		return has("apply")
	}
	return false
}
