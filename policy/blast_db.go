package policy

import (
	"io"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/cavra-dev/cavra/internal/sqlscan"
	"github.com/cavra-dev/cavra/policy/shell"
)

// dbClients are the database command-line clients whose statements and
// targets dbCommand reads.
var dbClients = map[string]bool{"psql": true, "mysql": true, "mariadb": true, "sqlite3": true, "sqlite": true, "duckdb": true,
	"clickhouse-client": true, "clickhouse": true, "cockroach": true, "sqlcmd": true, "mongo": true, "mongosh": true, "redis-cli": true,
	"valkey-cli": true, "cqlsh": true, "snowsql": true, "bq": true, "pgcli": true, "mycli": true, "litecli": true, "usql": true,
	"dropdb": true, "mysqladmin": true, "createdb": true, "pg_dump": true, "pg_dumpall": true, "pg_restore": true,
	"mysqldump": true, "mongodump": true, "mongorestore": true}

// maxSQLFile bounds what is read of a -f file.
const maxSQLFile = 256 << 10

// dbCommand reads a database client's invocation: the environment of its
// target (host and database), the effect of its statements, and whether
// they are all known (false when some come from a file that cannot be
// read or a stream the line does not show).
func (e *evaluation) dbCommand(name string, args []string, sc *shell.Command, i int) (env string, eff sqlscan.Effect, known bool) {
	known = true
	host, db := "", ""
	var texts []string // SQL text
	var files []string // files of statements
	var words []string // positional words
	opts := args
	withValue := dbValueFlags(name)
	for j := 0; j < len(opts); j++ {
		a := opts[j]
		flag, val, eq := a, "", false
		if strings.HasPrefix(a, "--") {
			flag, val, eq = strings.Cut(a, "=")
			if !eq {
				flag = a
			}
		} else if len(a) > 2 && a[0] == '-' && withValue[a[:2]] {
			flag, val, eq = a[:2], a[2:], true
		}
		if strings.HasPrefix(flag, "-") && flag != "-" && name == "bq" {
			continue
		}
		if strings.HasPrefix(flag, "-") && flag != "-" {
			if !eq && withValue[flag] && j+1 < len(opts) {
				j++
				val = opts[j]
			}
			switch flag {
			case "-h", "--host", "-H", "-S", "--server", "-a", "--accountname", "--url", "-u", "--uri":
				if flag == "-u" && name != "redis-cli" && name != "valkey-cli" && name != "cockroach" {
					continue // mysql -u is the user
				}
				if flag == "-h" && (name == "sqlite3" || name == "duckdb") {
					continue
				}
				host = val
			case "-d", "--dbname", "--database", "-D", "-n":
				if flag == "-n" && name != "redis-cli" {
					continue
				}
				db = val
			case "-c", "--command", "-e", "--execute", "-q", "--query", "-Q", "--eval", "--sql":
				if flag == "-c" && name == "snowsql" {
					db = val // snowsql -c names a connection
					continue
				}
				if flag == "-c" && (name == "mysql" || name == "mariadb") {
					continue
				}
				if flag == "-e" && (name == "psql" || name == "pgcli") {
					continue
				}
				texts = append(texts, val)
			case "-f", "--file", "-i", "--input-file", "--filename", "--init":
				if flag == "-i" && name != "sqlcmd" {
					continue
				}
				files = append(files, val)
			}
			continue
		}
		words = append(words, a)
	}
	// Positional words: a URL or a database (psql, mysql), a file and
	// statements (sqlite3, duckdb), a host (cqlsh), a command (redis-cli),
	// a subcommand (bq).
	switch name {
	case "sqlite3", "sqlite", "duckdb", "litecli":
		if len(words) > 0 {
			db = words[0]
			env = e.fileEnv(words[0], sc)
			texts = append(texts, words[1:]...)
		} else {
			env = envLocal // an in-memory database
		}
	case "redis-cli", "valkey-cli":
		defer func() {
			if env == envLocal {
				env = envDevelopment // a redis on this machine is a development cache
			}
		}()
		if len(words) > 0 {
			eff = sqlscan.ClassifyRedis(words)
		}
		for _, a := range args {
			if a == "--scan" || a == "--bigkeys" || a == "--memkeys" || a == "--stat" || a == "--latency" {
				eff = max(eff, sqlscan.Read)
			}
		}
	case "cqlsh":
		if len(words) > 0 && host == "" {
			host = words[0]
		}
	case "bq":
		if len(words) > 0 {
			switch words[0] {
			case "rm":
				eff = sqlscan.Destroy
			case "query":
				texts = append(texts, words[1:]...)
			case "ls", "show", "head", "help", "version":
				eff = sqlscan.Read
			default:
				eff = sqlscan.Write
			}
			for _, w := range words[1:] {
				db = w
			}
		}
	case "dropdb":
		eff = sqlscan.Destroy
		if len(words) > 0 {
			db = words[len(words)-1]
		}
	case "mysqladmin":
		eff = sqlscan.Read
		for _, w := range words {
			switch w {
			case "drop", "shutdown", "flush-tables", "kill", "password":
				eff = sqlscan.Destroy
			}
		}
	case "createdb":
		eff = sqlscan.Write
	case "pg_dump", "pg_dumpall", "mysqldump", "mongodump":
		// A copy of the database's data (a production dump leaves the
		// server with every record).
		eff = sqlscan.Read
		if len(words) > 0 && db == "" {
			db = words[len(words)-1]
		}
	case "pg_restore", "mongorestore":
		eff = sqlscan.Write
		for _, a := range args {
			if a == "--clean" || a == "-c" || a == "--drop" {
				eff = sqlscan.Destroy // drops the objects it restores
			}
		}
	case "mongo", "mongosh":
		for _, w := range words {
			if strings.Contains(w, "://") {
				host = w
			} else if db == "" {
				db = w
			}
		}
	default:
		for _, w := range words {
			switch {
			case strings.Contains(w, "://") || strings.HasPrefix(w, "$") || strings.Contains(w, "host="):
				host = w
			case db == "":
				db = w
			}
		}
	}
	if strings.Contains(host, "host=") { // a libpq connection string
		for _, kv := range strings.Fields(host) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				switch k {
				case "host":
					host = v
				case "dbname":
					db = v
				}
			}
		}
	}
	if strings.Contains(host, "://") {
		if db == "" {
			if k := strings.Index(host, "://"); k >= 0 {
				rest := host[k+3:]
				if s := strings.IndexByte(rest, '/'); s >= 0 {
					db = strings.SplitN(rest[s+1:], "?", 2)[0]
				}
			}
		}
		host = hostOf(host)
	}
	if env == "" {
		env = hostEnv(host, db)
	}
	mongo := name == "mongo" || name == "mongosh"
	classify := sqlscan.Classify
	if mongo {
		classify = sqlscan.ClassifyMongo
	}
	for _, t := range texts {
		if s, ok := shell.SubstOutput(t); ok {
			t = s
		} else if strings.HasPrefix(t, "<(") || strings.HasPrefix(t, "$") || strings.Contains(t, "$(") || strings.Contains(t, "`") {
			known = false
			continue
		}
		eff = max(eff, classify(t))
	}
	for _, f := range files {
		t, ok := e.sqlFile(f, sc, i)
		if !ok {
			known = false
			continue
		}
		eff = max(eff, classify(t))
	}
	if (name == "redis-cli" || name == "valkey-cli") && len(words) > 0 {
		return env, eff, known
	}
	if len(texts) == 0 && len(files) == 0 && sc.Stdin.Fed {
		switch {
		case sc.Stdin.Static:
			eff = max(eff, classify(sc.Stdin.Text))
		case sc.Stdin.File != "":
			if t, ok := e.sqlFile(sc.Stdin.File, sc, i); ok {
				eff = max(eff, classify(t))
			} else {
				known = false
			}
		default:
			known = false
		}
	}
	return env, eff, known
}

// dbValueFlags are the options of a client that take a value.
func dbValueFlags(name string) map[string]bool {
	m := map[string]bool{"-h": true, "--host": true, "-p": true, "--port": true, "-U": true, "--username": true, "-u": true, "--user": true,
		"-d": true, "--dbname": true, "--database": true, "-D": true, "-c": true, "--command": true, "-e": true, "--execute": true,
		"-f": true, "--file": true, "-q": true, "--query": true, "-Q": true, "-S": true, "--server": true, "-P": true, "--password": true,
		"--eval": true, "-a": true, "--accountname": true, "--url": true, "--uri": true, "-n": true, "-i": true, "--input-file": true,
		"-v": true, "--set": true, "-o": true, "--output": true, "-F": true, "-R": true, "--sql": true, "--filename": true, "--init": true,
		"--authenticationDatabase": true, "--port=": true, "-r": true, "-t": true, "--format": true, "--project_id": true, "--dataset_id": true, "--location": true}
	switch name {
	case "mysql", "mariadb":
		delete(m, "-p") // -pPASSWORD is glued; a bare -p prompts
		delete(m, "-P")
		m["-P"] = true
	case "redis-cli", "valkey-cli":
		delete(m, "-c") // cluster mode
		delete(m, "-e")
		m["-a"] = true
		delete(m, "-i")
		m["-i"] = true
	case "psql":
		delete(m, "-e") // echo queries
		delete(m, "-t") // tuples only
	case "sqlite3", "duckdb":
		m = map[string]bool{"-cmd": true, "-separator": true, "-nullvalue": true, "-init": true, "-c": true}
	case "bq":
		m = map[string]bool{"--project_id": true, "--dataset_id": true, "--location": true, "--format": true, "-t": false}
	}
	if name == "psql" || name == "pgcli" {
		m["-t"] = false
	}
	return m
}

// fileEnv is the environment of a database file: in the project, local;
// outside it, what its name says, else not known.
func (e *evaluation) fileEnv(p string, sc *shell.Command) string {
	if p == ":memory:" || p == "" {
		return envLocal
	}
	env := e.env
	if sc.Dir != "" {
		env.cwd = sc.Dir
	}
	rp := env.resolve(p)
	if n := nameEnv(path.Base(p)); n == envProduction || n == envStaging {
		return n
	}
	if rp.rel != "" && !unknownPath(p) {
		if n := nameEnv(path.Base(p)); n == envDevelopment {
			return n // dev.db, test.sqlite3
		}
		return envLocal
	}
	return ""
}

// sqlFile returns the statements of a -f file or a file fed on stdin: the
// text an earlier command of the line wrote to it (a heredoc, echo or
// printf redirected to it), else the file in the project, read up to
// maxSQLFile. ok is false when neither is known.
func (e *evaluation) sqlFile(p string, sc *shell.Command, i int) (string, bool) {
	if s, ok := shell.SubstOutput(p); ok {
		return s, true
	}
	if p == "" || unknownPath(p) || strings.HasPrefix(p, "<(") {
		return "", false
	}
	env := e.env
	if sc.Dir != "" {
		env.cwd = sc.Dir
	}
	want := env.resolve(p).display
	an := e.an
	for j := i - 1; j >= 0 && an != nil; j-- {
		w := &an.Commands[j]
		for _, r := range w.Redirects {
			if (r.Op != ">" && r.Op != ">>" && r.Op != ">|") || r.Dynamic || r.Fd != "" && r.Fd != "1" {
				continue
			}
			wenv := e.env
			if w.Dir != "" {
				wenv.cwd = w.Dir
			}
			if wenv.resolve(r.Path).display != want {
				continue
			}
			if t, ok := writtenText(w); ok {
				return t, true
			}
			return "", false // written by something the line does not show
		}
	}
	rp := env.resolve(p)
	if rp.rel == "" || e.env.root == "" {
		return "", false
	}
	// Non-blocking, and only a regular file: a FIFO or a device the agent
	// put there must not hold the decision up.
	f, err := os.OpenFile(path.Join(e.env.root, rp.rel), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSQLFile+1))
	if err != nil || len(b) > maxSQLFile {
		return "", false
	}
	return string(b), true
}

// writtenText is the text echo, printf or cat (of a heredoc) writes.
func writtenText(c *shell.Command) (string, bool) {
	switch c.Name {
	case "echo":
		args := c.Args
		for len(args) > 0 && (args[0] == "-n" || args[0] == "-e" || args[0] == "-E") {
			args = args[1:]
		}
		return strings.Join(args, " "), true
	case "printf":
		if len(c.Args) == 1 {
			return strings.ReplaceAll(c.Args[0], `\n`, "\n"), true
		}
	case "cat":
		if len(c.Args) == 0 && c.Stdin.Static {
			return c.Stdin.Text, true
		}
	}
	return "", false
}

// hostedSQL reads a hosted database's CLI running SQL: wrangler d1 execute
// DB (--command SQL, --file F; --remote runs it on Cloudflare's database,
// --local or neither on the local copy) and turso db shell DB SQL. The
// environment is the database's name (prod-db is production) on a remote
// target, at least remote; local is development.
func (e *evaluation) hostedSQL(name string, args []string, sc *shell.Command, i int) (env string, eff sqlscan.Effect, known, ok bool) {
	var rest []string
	remote := false
	switch {
	case name == "wrangler" && len(args) >= 3 && args[0] == "d1" && args[1] == "execute":
		rest = args[2:]
	case name == "turso" && len(args) >= 3 && args[0] == "db" && args[1] == "shell":
		rest, remote = args[2:], true
	case name == "supabase" && len(args) >= 2 && args[0] == "db" && args[1] == "reset":
		// db reset drops and recreates the database: the local stack's,
		// or with --linked / --db-url the remote project's.
		return supabaseReset(args[2:])
	default:
		return "", 0, false, false
	}
	known = true
	db := ""
	var texts, files []string
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		flag, val, eq := strings.Cut(a, "=")
		switch flag {
		case "--remote":
			remote = true
		case "--local":
			remote = false
		case "--command", "--file":
			if !eq {
				if j+1 >= len(rest) {
					continue
				}
				j++
				val = rest[j]
			}
			if flag == "--command" {
				texts = append(texts, val)
			} else {
				files = append(files, val)
			}
		default:
			if strings.HasPrefix(a, "-") {
				continue
			}
			if db == "" {
				db = a
			} else if name == "turso" {
				texts = append(texts, a)
			}
		}
	}
	for _, t := range texts {
		if strings.Contains(t, "$(") || strings.Contains(t, "`") || strings.HasPrefix(t, "$") {
			known = false
			continue
		}
		eff = max(eff, sqlscan.Classify(t))
	}
	for _, f := range files {
		t, ok := e.sqlFile(f, sc, i)
		if !ok {
			known = false
			continue
		}
		eff = max(eff, sqlscan.Classify(t))
	}
	if len(texts) == 0 && len(files) == 0 {
		known = false
	}
	if !remote {
		return envDevelopment, eff, known, true
	}
	env = envRemote
	if n := nameEnv(db); n == envProduction || n == envStaging {
		env = n
	}
	return env, eff, known, true
}

// supabaseReset classifies supabase db reset: it destroys the local
// stack's database, or the linked project's (--linked) or the one
// --db-url names.
func supabaseReset(args []string) (env string, eff sqlscan.Effect, known, ok bool) {
	env = envDevelopment
	for j := 0; j < len(args); j++ {
		flag, val, eq := strings.Cut(args[j], "=")
		switch flag {
		case "--linked":
			env = envRemote
		case "--local":
			env = envDevelopment
		case "--db-url":
			if !eq && j+1 < len(args) {
				j++
				val = args[j]
			}
			host, db := val, ""
			if k := strings.Index(val, "://"); k >= 0 {
				rest := val[k+3:]
				if s := strings.IndexByte(rest, '/'); s >= 0 {
					db = strings.SplitN(rest[s+1:], "?", 2)[0]
				}
			}
			if env = hostEnv(hostOf(host), db); env == "" {
				env = envRemote
			}
		}
	}
	return env, sqlscan.Destroy, true, true
}
