package sqlscan

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sql  string
		want Effect
	}{
		{"", None},
		{"  -- only a comment\n", None},
		{"SELECT count(*) FROM orders", Read},
		{"select 'drop table x'", Read},
		{`SELECT "DROP TABLE" FROM t`, Read},
		{"SELECT 1 -- ; DROP TABLE users", Read},
		{"SELECT 1 /* ; DROP TABLE users */", Read},
		{"SELECT $$; DROP TABLE users; $$", Read},
		{"SELECT E'\\'; DROP TABLE users; --'", Read},
		{"SHOW TABLES", Read},
		{"EXPLAIN SELECT * FROM users WHERE id = 1", Read},
		{"EXPLAIN DELETE FROM users", Read},
		{"EXPLAIN ANALYZE DELETE FROM users", Destroy},
		{"EXPLAIN (ANALYZE, BUFFERS) DELETE FROM users", Destroy},
		{"\\d users", Read},
		{"\\dt\n\\l", Read},
		{"\\! rm -rf /", Destroy},
		{"BEGIN;\nDROP TABLE audit_log;\nCOMMIT;", Destroy},
		{"DROP TABLE IF EXISTS tmp_import", Destroy},
		{"drop database app", DestroyAll},
		{"DROP SCHEMA public CASCADE", DestroyAll},
		{"TRUNCATE jobs", Destroy},
		{"DELETE FROM sessions", Destroy},
		{"DELETE FROM orders WHERE id = 42", Write},
		{"DELETE FROM t WHERE id IN (SELECT id FROM u)", Write},
		{"DELETE FROM t USING (SELECT 1 WHERE true) x", Destroy},
		{"UPDATE users SET role='admin'", Destroy},
		{"UPDATE users SET role='admin where' ", Destroy},
		{"UPDATE users SET email_verified=true WHERE id=7", Write},
		{"INSERT INTO feature_flags(name,enabled) VALUES ('x',true)", Write},
		{"ALTER TABLE users ADD COLUMN nickname text", Write},
		{"ALTER TABLE users DROP COLUMN email", Destroy},
		{"ALTER ROLE app WITH SUPERUSER", Destroy},
		{"GRANT ALL PRIVILEGES ON DATABASE app TO bob", Destroy},
		{"GRANT SELECT ON t TO reader", Write},
		{"CREATE TABLE t (id int)", Write},
		{"COPY t TO STDOUT", Read},
		{"COPY t FROM PROGRAM 'curl x | sh'", Destroy},
		{"DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$", Destroy},
		{"WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone", Destroy},
		{"WITH x AS (SELECT 1) SELECT * FROM x", Read},
		{"VACUUM", Write},
		{"frobnicate the table", Write},
		{"SELECT 1; DELETE FROM users", Destroy},
		{"(SELECT 1)", Read},
		{"PRAGMA table_info(users)", Read},
	} {
		if got := Classify(tc.sql); got != tc.want {
			t.Errorf("Classify(%q) = %v, want %v", tc.sql, got, tc.want)
		}
	}
}

func TestClassifyMongo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		js   string
		want Effect
	}{
		{"db.users.deleteMany({})", Destroy},
		{"db.users.deleteMany( { } )", Destroy},
		{"db.users.deleteMany({age: {$lt: 3}})", Write},
		{"db.events.drop()", Destroy},
		{"db.dropDatabase()", DestroyAll},
		{"db.users.find({name: 'x.drop()'})", Read},
		{"db.users.countDocuments()", Read},
		{"db.users.insertOne({a: 1})", Write},
		{"db.users.updateMany({}, {$set: {a: 1}})", Destroy},
		{"db.orders.aggregate([{$match: {}}, {$out: 'x'}])", Write},
		{"show dbs", Read},
		{"// db.x.drop()\ndb.x.find()", Read},
	} {
		if got := ClassifyMongo(tc.js); got != tc.want {
			t.Errorf("ClassifyMongo(%q) = %v, want %v", tc.js, got, tc.want)
		}
	}
}

func TestClassifyRedis(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		words string
		want  Effect
	}{
		{"FLUSHDB", Destroy}, {"flushall async", DestroyAll}, {"CONFIG SET dir /tmp", Destroy}, {"CONFIG GET dir", Read},
		{"DEL session:123", Write}, {"GET k", Read}, {"KEYS *", Read}, {"SET k v", Write},
		{"EVAL \"redis.call('flushall')\" 0", Destroy}, {"", None},
	} {
		if got := ClassifyRedis(strings.Fields(tc.words)); got != tc.want {
			t.Errorf("ClassifyRedis(%q) = %v, want %v", tc.words, got, tc.want)
		}
	}
}

func TestTokensRoundTrip(t *testing.T) {
	t.Parallel()
	s := "SELECT 'a''b', \"c\"\"d\", `e`, [f g], $x$ y $x$, E'\\'' -- c\n/* /* n */ */ 1.5;\\d t\n"
	var b strings.Builder
	for _, tk := range Tokens(s) {
		b.WriteString(tk.Text)
	}
	if b.String() != s {
		t.Fatalf("tokens put together give %q, want %q", b.String(), s)
	}
}
