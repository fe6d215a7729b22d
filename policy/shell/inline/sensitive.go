package inline

// sensitive lists, per language, the modules whose functions can act
// beyond reading (processes, files, the network) with the members known
// to be harmless. A call of any other member that no table names is
// unknown: the analysis does not let what it does not model through.
var sensitive = map[Lang]map[string]map[string]bool{
	Python: {
		"os": set("getcwd", "getcwdb", "listdir", "scandir", "walk", "getenv", "environ", "cpu_count", "getpid", "getppid", "getuid",
			"getgid", "getlogin", "uname", "stat", "lstat", "access", "fspath", "fsencode", "fsdecode", "get_terminal_size", "sep", "name",
			"linesep", "pathsep", "devnull", "curdir", "urandom", "isatty", "umask", "times", "getloadavg", "strerror", "fstat", "getpgrp", "path"),
		"subprocess": set("PIPE", "DEVNULL", "STDOUT", "CalledProcessError", "TimeoutExpired", "CompletedProcess"),
		"shutil":     set("which", "disk_usage", "get_terminal_size", "copyfileobj"),
		"socket":     set("gethostname", "AF_INET", "AF_INET6", "SOCK_STREAM", "SOCK_DGRAM", "getfqdn"),
		"ctypes":     set(), "pty": set(), "signal": set("SIGINT", "SIGTERM", "Signals"), "multiprocessing": set("cpu_count"),
		"webbrowser": set(), "paramiko": set(),
		"asyncio": set("run", "sleep", "gather", "get_event_loop", "new_event_loop", "wait_for", "Queue", "Event", "Lock", "TimeoutError", "create_task"),
		"urllib":  set("parse"), "http": set("HTTPStatus", "server"), "requests": set("exceptions", "codes"), "httpx": set(), "ftplib": set(),
		"smtplib": set(), "telnetlib": set(),
	},
	JavaScript: {
		"child_process": set(), "net": set("isIP", "isIPv4", "isIPv6"), "dgram": set(), "tls": set(), "http": set("STATUS_CODES", "METHODS"),
		"https": set(), "vm": set(), "worker_threads": set("isMainThread", "threadId"), "cluster": set("isPrimary", "isMaster"),
		"fs": set("readdirSync", "readdir", "existsSync", "exists", "statSync", "stat", "lstatSync", "lstat", "accessSync", "access",
			"realpathSync", "realpath", "constants", "promises", "Dirent", "Stats", "opendirSync", "watch", "watchFile"),
		"fs.promises": set("readdir", "stat", "lstat", "access", "realpath"),
		"process": set("exit", "cwd", "argv", "env", "platform", "version", "versions", "arch", "pid", "ppid", "stdout", "stderr", "stdin", "on",
			"hrtime", "memoryUsage", "uptime", "exitCode", "nextTick", "title", "execPath", "release", "emitWarning", "cpuUsage", "umask", "chdir"),
		"Deno": set("args", "cwd", "env", "readDir", "readDirSync", "stat", "statSync", "lstat", "build", "version", "exit", "pid", "inspect",
			"stdout", "stderr", "stdin", "noColor", "errors"),
		"Bun": set("version", "env", "argv", "main", "file", "sleep", "inspect", "hash", "which"),
	},
	Ruby: {
		"Kernel":  set("puts", "print", "p", "pp", "format", "sprintf", "require", "rand", "sleep", "loop", "raise"),
		"Process": set("pid", "ppid", "clock_gettime", "CLOCK_MONOTONIC", "uid", "gid", "euid"),
		"IO":      set("readlines", "read", "foreach", "pipe", "select", "console"),
		"File": set("exist?", "exists?", "file?", "directory?", "basename", "dirname", "extname", "join", "size", "size?", "mtime", "atime",
			"ctime", "readable?", "writable?", "executable?", "symlink?", "zero?", "empty?", "stat", "lstat", "absolute_path", "realpath",
			"split", "fnmatch", "fnmatch?", "identical?", "ftype", "readlink", "path", "SEPARATOR", "ALT_SEPARATOR", "expand_path"),
		"FileUtils": set("pwd", "compare_file", "identical?", "uptodate?"),
		"Dir":       set("pwd", "getwd", "glob", "entries", "children", "each_child", "exist?", "empty?", "home", "tmpdir", "foreach"),
		"Socket":    set("gethostname"), "TCPSocket": set(), "UDPSocket": set(), "UNIXSocket": set(), "Open3": set(), "PTY": set(),
		"Net": set(), "Etc": set("getlogin", "nprocessors", "getpwuid", "uname"),
	},
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// dangerousNames are the last components of qualified names that run
// code or commands; called on an object the analysis cannot name
// (__builtins__.__dict__["exec"], c.execSync in a callback), the call is
// unknown.
var dangerousNames = map[Lang]map[string]bool{
	Python: set("exec", "eval", "system", "popen", "Popen", "check_output", "check_call", "getoutput", "spawn", "execv", "execve", "execvp",
		"execl", "execlp", "rmtree", "unlink", "urlopen", "__import__", "import_module"),
	JavaScript: set("execSync", "spawn", "spawnSync", "execFile", "execFileSync", "fork", "eval", "rmSync", "unlinkSync", "writeFileSync",
		"runInThisContext", "runInNewContext"),
	Ruby: set("system", "spawn", "popen", "instance_eval", "class_eval", "module_eval", "send", "public_send", "__send__", "rm_rf", "rm_r",
		"capture2", "capture3", "popen3", "syscall"),
}
