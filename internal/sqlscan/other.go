package sqlscan

import "strings"

// ClassifyMongo returns the strongest effect of mongo shell code (mongosh
// --eval): dropping a database or collection, or deleting or updating with
// an empty filter, destroys; other inserts, updates and deletes write;
// find, count, aggregate and show read. A method it does not know writes.
// String literals and comments are data.
func ClassifyMongo(js string) Effect {
	code := stripJS(js)
	worst := None
	for i := 0; i < len(code); i++ {
		if code[i] != '.' {
			continue
		}
		j := i + 1
		for j < len(code) && isWordByte(code[j]) {
			j++
		}
		k := j
		for k < len(code) && (code[k] == ' ' || code[k] == '\t') {
			k++
		}
		if j == i+1 || k >= len(code) || code[k] != '(' {
			continue
		}
		e := mongoMethod(code[i+1:j], code[k+1:])
		if e > worst {
			worst = e
		}
	}
	if worst == None && strings.TrimSpace(code) != "" {
		f := strings.Fields(code)
		switch f[0] {
		case "show", "use", "help", "db", "it", "exit", "quit", "print", "printjson":
			return Read
		}
		return Write
	}
	return worst
}

// mongoMethod classifies one method call; args is the text after "(".
func mongoMethod(name, args string) Effect {
	switch name {
	case "dropDatabase":
		return DestroyAll
	case "drop", "dropAllUsers", "dropAllRoles", "dropIndexes", "dropUser", "dropRole", "shutdownServer", "fsyncLock":
		return Destroy
	case "deleteMany", "remove", "updateMany", "update", "replaceOne", "findOneAndDelete", "findAndModify", "bulkWrite":
		if emptyFilter(args) && name != "replaceOne" && name != "findOneAndDelete" && name != "findAndModify" && name != "bulkWrite" {
			return Destroy
		}
		return Write
	case "aggregate":
		if strings.Contains(args, "$out") || strings.Contains(args, "$merge") {
			return Write
		}
		return Read
	case "find", "findOne", "count", "countDocuments", "estimatedDocumentCount", "distinct", "getCollectionNames", "getCollectionInfos",
		"stats", "explain", "getIndexes", "toArray", "pretty", "limit", "sort", "skip", "forEach", "map", "next", "hasNext",
		"getCollection", "getSiblingDB", "getName", "version", "serverStatus", "hostInfo", "isMaster", "hello", "printjson", "print",
		"log", "itcount", "size", "length", "getUsers", "getRoles", "currentOp", "listCollections", "getMongo", "getDB", "watch", "projection", "batchSize":
		return Read
	}
	if strings.HasPrefix(name, "insert") || strings.HasPrefix(name, "create") || strings.HasPrefix(name, "rename") || strings.HasPrefix(name, "update") {
		return Write
	}
	return Write
}

// emptyFilter reports whether a call's first argument is absent or {}.
func emptyFilter(args string) bool {
	a := strings.TrimLeft(args, " \t\n")
	if strings.HasPrefix(a, ")") {
		return true
	}
	if !strings.HasPrefix(a, "{") {
		return false
	}
	a = strings.TrimLeft(a[1:], " \t\n")
	return strings.HasPrefix(a, "}")
}

// stripJS blanks JavaScript string literals and comments (keeping the
// quotes, so "$out" in a literal still reads as text, not code).
func stripJS(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			j := i
			for ; j < len(b) && !(b[j] == '*' && j+1 < len(b) && b[j+1] == '/'); j++ {
				b[j] = ' '
			}
			for k := j; k < len(b) && k < j+2; k++ {
				b[k] = ' '
			}
			i = j + 1
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for ; j < len(b) && b[j] != c; j++ {
				if b[j] == '\\' && j+1 < len(b) {
					b[j] = ' '
					j++
				}
				if b[j] != '$' {
					b[j] = ' '
				}
			}
			i = j
		}
	}
	return string(b)
}

// ClassifyRedis returns the effect of one redis command given as words
// (FLUSHALL, DEL key, GET key…). A command it does not know writes.
func ClassifyRedis(words []string) Effect {
	if len(words) == 0 {
		return None
	}
	switch strings.ToUpper(words[0]) {
	case "FLUSHALL":
		return DestroyAll
	case "FLUSHDB", "SWAPDB", "SHUTDOWN", "DEBUG", "MIGRATE", "REPLICAOF", "SLAVEOF", "FAILOVER", "MODULE":
		return Destroy
	case "CONFIG":
		if len(words) > 1 && strings.EqualFold(words[1], "GET") {
			return Read
		}
		return Destroy
	case "ACL":
		if len(words) > 1 && (strings.EqualFold(words[1], "SETUSER") || strings.EqualFold(words[1], "DELUSER") || strings.EqualFold(words[1], "LOAD")) {
			return Destroy
		}
		return Read
	case "EVAL", "EVALSHA", "EVAL_RO", "FCALL", "SCRIPT", "FUNCTION":
		for _, w := range words[1:] {
			u := strings.ToUpper(w)
			if strings.Contains(u, "FLUSHALL") || strings.Contains(u, "FLUSHDB") {
				return Destroy
			}
		}
		return Write
	case "GET", "MGET", "KEYS", "SCAN", "HGET", "HGETALL", "HMGET", "HKEYS", "HVALS", "HLEN", "HSCAN", "HEXISTS", "LRANGE", "LLEN", "LINDEX",
		"SMEMBERS", "SCARD", "SISMEMBER", "SSCAN", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZCARD", "ZSCORE", "ZSCAN", "ZRANK",
		"TTL", "PTTL", "TYPE", "EXISTS", "STRLEN", "INFO", "PING", "ECHO", "DBSIZE", "TIME", "CLIENT", "MONITOR", "SLOWLOG", "LATENCY",
		"MEMORY", "OBJECT", "DUMP", "XRANGE", "XREVRANGE", "XLEN", "XINFO", "XREAD", "PFCOUNT", "GETRANGE", "BITCOUNT", "GEOPOS",
		"GEODIST", "SUBSCRIBE", "PSUBSCRIBE", "PUBSUB", "ROLE", "LASTSAVE", "COMMAND", "HELLO", "AUTH", "SELECT", "RANDOMKEY", "SRANDMEMBER":
		return Read
	}
	return Write
}
