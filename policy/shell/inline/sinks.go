package inline

// op is what calling a known function does.
type op uint8

const (
	opNone        op = iota
	opDelete         // deletes its first argument
	opDeleteAll      // deletes every argument (Perl unlink LIST, FileUtils.rm [..])
	opWrite          // writes its first argument
	opCopy           // reads the first argument, writes the second
	opMove           // deletes the first argument, writes the second
	opRead           // reads its first argument
	opOpen           // opens its first argument; the second (mode) says read or write
	opPerlOpen       // Perl open(FH, MODE, PATH) / open(FH, "<path") / open(FH, "|cmd")
	opShell          // runs a shell command line (one string), or an argv (a list, or several strings)
	opSpawnArgs      // runs its first argument with the second (a list) as arguments (spawn, execFile)
	opExecv          // runs with the second argument (a list) as argv (os.execv)
	opExecl          // runs with the arguments from the second on as argv (os.execl)
	opSpawnl         // os.spawnl(mode, file, argv0, …)
	opEval           // runs its first argument as code of the same language
	opTimer          // setTimeout: runs its first argument as code when it is a string
	opImport         // loads the module its first argument names
	opAttr           // getattr(obj, name): the attribute named by the second argument
	opSend           // Ruby send(:name, args…): calls the method its first argument names
	opCallback       // PHP call_user_func(name, args…), array_map(name, list)
	opDecode         // decodes its argument (base64, hex, rot13, character codes)
	opNet            // contacts the URL that is its first argument
	opNetHost        // contacts the host that is its first argument (or host:port)
	opNetPortHost    // contacts the host that is its second argument (net.connect(port, host))
	opEnv            // reads the environment variable its first argument names
	opEnvAll         // reads the whole environment
	opValue          // returns its first argument as a path (Path(x), expanduser(x), glob(x))
	opHome           // returns the home directory
	opJoin           // joins its arguments as a path
	opUnknownRun     // runs code the analysis cannot see (a pickle, a debugger)
	opSplit          // splits a command line into words (shlex.split)
	opUnknown        // does something the analysis does not model (kill, chown, raw sockets)
)

var pythonCalls = map[string]op{
	"os.remove": opDelete, "os.unlink": opDelete, "os.rmdir": opDelete, "os.removedirs": opDelete, "shutil.rmtree": opDelete,
	"open": opOpen, "io.open": opOpen, "builtins.open": opOpen, "codecs.open": opOpen, "os.open": opOpen,
	"shutil.copy": opCopy, "shutil.copy2": opCopy, "shutil.copyfile": opCopy, "shutil.copytree": opCopy, "shutil.move": opMove,
	"os.rename": opMove, "os.replace": opMove, "os.symlink": opCopy, "os.link": opCopy, "os.chmod": opWrite, "os.chown": opWrite,
	"os.truncate": opWrite, "os.mkdir": opWrite, "os.makedirs": opWrite, "os.utime": opWrite,
	"os.system": opShell, "os.popen": opShell, "subprocess.getoutput": opShell, "subprocess.getstatusoutput": opShell,
	"commands.getoutput": opShell, "subprocess.run": opShell, "subprocess.call": opShell, "subprocess.check_call": opShell,
	"subprocess.check_output": opShell, "subprocess.Popen": opShell, "pty.spawn": opShell,
	"os.execv": opExecv, "os.execve": opExecv, "os.execvp": opExecv, "os.execvpe": opExecv, "os.posix_spawn": opExecv, "os.posix_spawnp": opExecv,
	"os.execl": opExecl, "os.execle": opExecl, "os.execlp": opExecl, "os.execlpe": opExecl,
	"os.spawnl": opSpawnl, "os.spawnle": opSpawnl, "os.spawnlp": opSpawnl, "os.spawnlpe": opSpawnl,
	"os.spawnv": opExecv, "os.spawnve": opExecv, "os.spawnvp": opExecv, "os.spawnvpe": opExecv,
	"exec": opEval, "eval": opEval, "compile": opEval, "execfile": opUnknownRun, "builtins.exec": opEval, "builtins.eval": opEval,
	"__builtins__.exec": opEval, "__builtins__.eval": opEval, "builtins.compile": opEval,
	"pickle.loads": opUnknownRun, "pickle.load": opUnknownRun, "marshal.loads": opUnknownRun, "cPickle.loads": opUnknownRun, "dill.loads": opUnknownRun,
	"ctypes.CDLL": opUnknownRun, "ctypes.cdll.LoadLibrary": opUnknownRun, "types.FunctionType": opUnknownRun, "types.CodeType": opUnknownRun,
	"__import__": opImport, "importlib.import_module": opImport, "importlib.__import__": opImport, "builtins.__import__": opImport,
	"getattr": opAttr, "operator.attrgetter": opAttr, "operator.methodcaller": opAttr,
	"base64.b64decode": opDecode, "base64.b32decode": opDecode, "base64.b16decode": opDecode, "base64.a85decode": opDecode,
	"base64.b85decode": opDecode, "base64.decodebytes": opDecode, "base64.decodestring": opDecode, "base64.urlsafe_b64decode": opDecode,
	"base64.standard_b64decode": opDecode, "bytes.fromhex": opDecode, "bytearray.fromhex": opDecode, "binascii.unhexlify": opDecode,
	"binascii.a2b_hex": opDecode, "binascii.a2b_base64": opDecode, "codecs.decode": opDecode, "zlib.decompress": opDecode,
	"gzip.decompress": opDecode, "bz2.decompress": opDecode, "lzma.decompress": opDecode, "chr": opDecode, "bytes": opDecode,
	"urllib.request.urlopen": opNet, "urllib.request.Request": opNet, "urllib.request.urlretrieve": opNet, "urllib.urlopen": opNet,
	"urllib2.urlopen": opNet, "urllib.urlretrieve": opNet, "requests.get": opNet, "requests.post": opNet, "requests.put": opNet,
	"requests.delete": opNet, "requests.patch": opNet, "requests.head": opNet, "requests.options": opNet, "httpx.get": opNet,
	"httpx.post": opNet, "httpx.put": opNet, "httpx.delete": opNet, "httpx.stream": opNet, "aiohttp.request": opNet,
	"http.client.HTTPConnection": opNetHost, "http.client.HTTPSConnection": opNetHost, "httplib.HTTPConnection": opNetHost,
	"httplib.HTTPSConnection": opNetHost, "ftplib.FTP": opNetHost, "smtplib.SMTP": opNetHost, "smtplib.SMTP_SSL": opNetHost,
	"telnetlib.Telnet": opNetHost, "socket.create_connection": opNetHost, "socket.socket().connect": opNetHost,
	"socket.socket().connect_ex": opNetHost, "socket.socket().sendto": opNetPortHost, "socket.getaddrinfo": opNetHost, "socket.gethostbyname": opNetHost,
	"os.getenv": opEnv, "os.environ.get": opEnv, "os.environ.__getitem__": opEnv, "os.environ.copy": opEnvAll, "os.environ.items": opEnvAll,
	"os.environ.keys": opEnvAll, "os.environ.values": opEnvAll,
	"pathlib.Path": opValue, "pathlib.PurePath": opValue, "pathlib.PosixPath": opValue, "os.path.expanduser": opValue, "os.path.abspath": opValue,
	"os.path.realpath": opValue, "os.path.normpath": opValue, "os.path.expandvars": opValue, "glob.glob": opValue, "glob.iglob": opValue,
	"shlex.split": opSplit, "os.path.join": opJoin, "sqlite3.connect": opRead, "zipfile.ZipFile().write": opRead, "tarfile.open().add": opRead, "tarfile.TarFile().add": opRead, "dbm.open": opRead, "shelve.open": opRead, "pathlib.Path.home": opHome, "os.path.dirname": opValue, "os.dup2": opUnknown, "os.kill": opUnknown,
	"os.killpg": opUnknown, "os.setuid": opUnknown, "os.fork": opUnknown, "os.chroot": opUnknown, "shutil.chown": opUnknown,
}

// pathMethods are methods of a path object (pathlib.Path, Pathname).
var pathMethods = map[string]op{
	"unlink": opDelete, "rmdir": opDelete, "rmtree": opDelete, "delete": opDelete,
	"write_text": opWrite, "write_bytes": opWrite, "touch": opWrite, "mkdir": opWrite, "chmod": opWrite, "symlink_to": opWrite,
	"read_text": opRead, "read_bytes": opRead, "read": opRead, "readlines": opRead, "open": opOpen,
	"rename": opMove, "replace": opMove, "write": opWrite, "binwrite": opWrite, "binread": opRead,
	"expanduser": opValue, "resolve": opValue, "absolute": opValue, "expand_path": opValue, "glob": opValue, "rglob": opValue, "iterdir": opValue,
	"exists": opValue, "is_file": opValue, "is_dir": opValue, "stat": opValue, "parent": opValue, "joinpath": opJoin, "cleanpath": opValue,
}

var jsCalls = map[string]op{
	"fs.rmSync": opDelete, "fs.rm": opDelete, "fs.rmdirSync": opDelete, "fs.rmdir": opDelete, "fs.unlinkSync": opDelete, "fs.unlink": opDelete,
	"fs.promises.rm": opDelete, "fs.promises.rmdir": opDelete, "fs.promises.unlink": opDelete, "fs-extra.removeSync": opDelete,
	"fs-extra.remove": opDelete, "fs-extra.emptyDirSync": opDelete, "fs-extra.emptyDir": opDelete, "rimraf": opDelete, "rimraf.sync": opDelete,
	"rimraf.rimrafSync": opDelete, "del": opDelete, "del.sync": opDelete, "Deno.remove": opDelete, "Deno.removeSync": opDelete,
	"fs.writeFileSync": opWrite, "fs.writeFile": opWrite, "fs.appendFileSync": opWrite, "fs.appendFile": opWrite, "fs.createWriteStream": opWrite,
	"fs.promises.writeFile": opWrite, "fs.promises.appendFile": opWrite, "fs.mkdirSync": opWrite, "fs.mkdir": opWrite, "fs.chmodSync": opWrite,
	"fs.truncateSync": opWrite, "fs.copyFileSync": opCopy, "fs.copyFile": opCopy, "fs.cpSync": opCopy, "fs.cp": opCopy,
	"fs.promises.copyFile": opCopy, "fs.renameSync": opMove, "fs.rename": opMove, "fs.promises.rename": opMove, "fs.symlinkSync": opCopy,
	"fs.linkSync": opCopy, "fs.openSync": opOpen, "fs.open": opOpen, "fs-extra.outputFileSync": opWrite, "fs-extra.writeJsonSync": opWrite,
	"Deno.writeTextFile": opWrite, "Deno.writeTextFileSync": opWrite, "Deno.writeFile": opWrite, "Deno.writeFileSync": opWrite, "Bun.write": opWrite,
	"fs.readFileSync": opRead, "fs.readFile": opRead, "fs.createReadStream": opRead, "fs.promises.readFile": opRead,
	"Deno.readTextFile": opRead, "Deno.readTextFileSync": opRead, "Deno.readFile": opRead, "Deno.readFileSync": opRead, "Bun.file": opRead,
	"fs-extra.readJsonSync": opRead,
	"child_process.exec":    opShell, "child_process.execSync": opShell, "child_process.spawn": opSpawnArgs, "child_process.spawnSync": opSpawnArgs,
	"child_process.execFile": opSpawnArgs, "child_process.execFileSync": opSpawnArgs, "child_process.fork": opUnknownRun,
	"execa": opSpawnArgs, "execa.sync": opSpawnArgs, "execa.command": opShell, "execa.commandSync": opShell, "shelljs.exec": opShell,
	"Bun.spawn": opShell, "Bun.spawnSync": opShell, "Deno.run": opUnknownRun, "Deno.Command": opSpawnArgs, "process.binding": opUnknownRun,
	"process.dlopen": opUnknownRun, "module._load": opUnknownRun, "process.kill": opUnknown, "process.chdir": opNone,
	"eval": opEval, "Function": opEval, "globalThis.eval": opEval, "global.eval": opEval, "window.eval": opEval, "vm.runInThisContext": opEval,
	"vm.runInNewContext": opEval, "vm.runInContext": opEval, "vm.compileFunction": opEval, "vm.Script": opEval, "vm.SourceTextModule": opEval,
	"setTimeout": opTimer, "setInterval": opTimer, "setImmediate": opTimer, "globalThis.Function": opEval,
	"require": opImport, "import": opImport, "module.require": opImport, "process.mainModule.require": opImport,
	"Reflect.get": opAttr, "Reflect.apply": opUnknownRun,
	"atob": opDecode, "Buffer.from": opDecode, "String.fromCharCode": opDecode, "String.fromCodePoint": opDecode, "unescape": opDecode,
	"decodeURIComponent": opDecode, "decodeURI": opDecode, "zlib.inflateSync": opDecode, "zlib.gunzipSync": opDecode, "zlib.brotliDecompressSync": opDecode,
	"fetch": opNet, "http.get": opNet, "http.request": opNet, "https.get": opNet, "https.request": opNet, "axios": opNet, "axios.get": opNet,
	"axios.post": opNet, "axios.put": opNet, "axios.delete": opNet, "axios.request": opNet, "got": opNet, "got.post": opNet, "node-fetch": opNet,
	"undici.request": opNet, "undici.fetch": opNet, "WebSocket": opNet, "EventSource": opNet, "net.connect": opNetPortHost,
	"net.createConnection": opNetPortHost, "tls.connect": opNetPortHost, "dns.lookup": opNetHost, "dns.resolve": opNetHost, "Deno.connect": opNetHost,
	"process.env": opEnvAll, "Deno.env.get": opEnv, "Deno.env.toObject": opEnvAll,
	"path.join": opJoin, "path.resolve": opJoin, "os.homedir": opHome, "glob.sync": opValue, "path.normalize": opValue,
}

var rubyCalls = map[string]op{
	"File.delete": opDeleteAll, "File.unlink": opDeleteAll, "FileUtils.rm": opDeleteAll, "FileUtils.rm_r": opDeleteAll, "FileUtils.rm_rf": opDeleteAll,
	"FileUtils.rm_f": opDeleteAll, "FileUtils.remove": opDeleteAll, "FileUtils.remove_dir": opDelete, "FileUtils.remove_entry": opDelete,
	"FileUtils.remove_entry_secure": opDelete, "FileUtils.rmtree": opDeleteAll, "FileUtils.rmdir": opDeleteAll, "Dir.rmdir": opDelete,
	"Dir.delete": opDelete, "Dir.unlink": opDelete, "rm_rf": opDeleteAll, "rm_r": opDeleteAll, "rm": opDeleteAll, "rm_f": opDeleteAll,
	"File.write": opWrite, "IO.write": opWrite, "File.binwrite": opWrite, "IO.binwrite": opWrite, "FileUtils.touch": opWrite,
	"FileUtils.mkdir_p": opWrite, "FileUtils.mkdir": opWrite, "FileUtils.cp": opCopy, "FileUtils.cp_r": opCopy, "FileUtils.copy": opCopy,
	"FileUtils.ln_s": opCopy, "FileUtils.ln_sf": opCopy, "FileUtils.mv": opMove, "FileUtils.move": opMove, "File.rename": opMove,
	"File.symlink": opCopy, "File.chmod": opWrite, "Dir.mkdir": opWrite,
	"File.read": opRead, "File.readlines": opRead, "IO.read": opRead, "IO.readlines": opRead, "File.foreach": opRead, "IO.foreach": opRead,
	"File.binread": opRead, "File.open": opOpen, "File.new": opOpen, "IO.sysopen": opOpen,
	"open": opOpen, "Kernel.open": opOpen, "URI.open": opNet,
	"system": opShell, "exec": opShell, "spawn": opShell, "Kernel.system": opShell, "Kernel.exec": opShell, "Kernel.spawn": opShell,
	"Process.spawn": opShell, "Process.exec": opShell, "IO.popen": opShell, "Open3.capture2": opShell, "Open3.capture2e": opShell,
	"Open3.capture3": opShell, "Open3.popen3": opShell, "Open3.popen2": opShell, "Open3.popen2e": opShell, "Open3.pipeline": opShell,
	"PTY.spawn": opShell, "fork": opUnknownRun, "sh": opShell, // Rake's sh (FileUtils), in Rakefiles
	"eval": opEval, "Kernel.eval": opEval, "instance_eval": opEval, "class_eval": opEval, "module_eval": opEval, "binding.eval": opEval,
	"RubyVM.InstructionSequence.compile": opEval, "Marshal.load": opUnknownRun, "instance_exec": opNone, "load": opUnknownRun,
	"send": opSend, "public_send": opSend, "__send__": opSend, "method": opSend, "Object.const_get": opImport, "Kernel.const_get": opImport,
	"const_get": opImport, "require": opImport,
	"Base64.decode64": opDecode, "Base64.strict_decode64": opDecode, "Base64.urlsafe_decode64": opDecode, "Zlib.Inflate.inflate": opDecode,
	"Zlib.inflate": opDecode, "Zlib.gunzip": opDecode,
	"Net.HTTP.get": opNet, "Net.HTTP.get_response": opNet, "Net.HTTP.post": opNet, "Net.HTTP.post_form": opNet, "Net.HTTP.start": opNetHost,
	"Net.HTTP.new": opNetHost, "TCPSocket.new": opNetHost, "TCPSocket.open": opNetHost, "Socket.tcp": opNetHost, "HTTParty.get": opNet,
	"HTTParty.post": opNet, "Faraday.get": opNet, "Faraday.post": opNet, "RestClient.get": opNet, "RestClient.post": opNet,
	"ENV.fetch": opEnv, "ENV.to_h": opEnvAll, "ENV.to_a": opEnvAll, "ENV.each": opEnvAll, "ENV.inspect": opEnvAll, "ENV.keys": opEnvAll,
	"Dir.home": opHome, "File.expand_path": opValue, "Pathname": opValue, "Pathname.new": opValue, "Dir.glob": opValue, "URI": opValue,
	"URI.parse": opValue, "File.join": opJoin,
}

var perlCalls = map[string]op{
	"unlink": opDeleteAll, "rmdir": opDelete, "rmtree": opDeleteAll, "remove_tree": opDeleteAll, "File::Path::rmtree": opDeleteAll,
	"File::Path::remove_tree": opDeleteAll, "mkdir": opWrite, "make_path": opWrite, "mkpath": opWrite, "chmod": opUnknown, "symlink": opCopy,
	"copy": opCopy, "File::Copy::copy": opCopy, "move": opMove, "File::Copy::move": opMove, "rename": opMove, "write_file": opWrite,
	"File::Slurp::write_file": opWrite, "read_file": opRead, "File::Slurp::read_file": opRead, "open": opPerlOpen, "sysopen": opPerlOpen,
	"system": opShell, "exec": opShell, "readpipe": opShell, "open3": opUnknownRun, "open2": opUnknownRun, "IPC::Open3::open3": opUnknownRun,
	"eval": opEval, "do": opNone, "require": opImport, "kill": opUnknown, "socket": opNone, "connect": opNetHost, "bind": opUnknown,
	"syscall": opUnknown, "fork": opUnknown, "chown": opUnknown, "truncate": opUnknown, "link": opUnknown, "utime": opUnknown, "dump": opUnknown,
	"setpgrp": opUnknown, "fdopen": opUnknown,
	"pack": opDecode, "unpack": opDecode, "decode_base64": opDecode, "MIME::Base64::decode_base64": opDecode, "chr": opDecode,
	"get": opNet, "getstore": opNet, "getprint": opNet, "mirror": opNet, "head": opNet, "LWP::Simple::get": opNet,
	"IO::Socket::INET": opNetHost, "IO::Socket::INET.new": opNetHost, "IO::Socket::SSL.new": opNetHost,
	"LWP::UserAgent.new().get": opNet, "LWP::UserAgent.new().post": opNet, "HTTP::Tiny.new().get": opNet, "HTTP::Tiny.new().post": opNet,
	"HTTP::Tiny.new().request": opNetPortHost, "HTTP::Tiny.new().mirror": opNet, "glob": opValue,
}

var phpCalls = map[string]op{
	"unlink": opDelete, "rmdir": opDelete, "file_put_contents": opWrite, "fopen": opOpen, "copy": opCopy, "rename": opMove,
	"mkdir": opWrite, "touch": opWrite, "symlink": opCopy, "chmod": opWrite, "tempnam": opNone,
	"file_get_contents": opRead, "file": opRead, "readfile": opRead, "parse_ini_file": opRead, "fgets": opNone, "highlight_file": opRead,
	"show_source": opRead, "include": opRead, "include_once": opRead, "require": opRead, "require_once": opRead,
	"system": opShell, "exec": opShell, "shell_exec": opShell, "passthru": opShell, "popen": opShell, "proc_open": opShell,
	"pcntl_exec": opSpawnArgs, "mail": opUnknown, "dl": opUnknownRun, "ffi::cdef": opUnknownRun,
	"eval": opEval, "assert": opEval, "create_function": opEval, "unserialize": opUnknownRun,
	"call_user_func": opCallback, "call_user_func_array": opCallback, "array_map": opCallback, "forward_static_call": opCallback,
	"register_shutdown_function": opCallback, "array_filter": opNone, "array_walk": opNone,
	"base64_decode": opDecode, "hex2bin": opDecode, "str_rot13": opDecode, "gzinflate": opDecode, "gzuncompress": opDecode, "gzdecode": opDecode,
	"convert_uudecode": opDecode, "chr": opDecode, "pack": opDecode, "strrev": opDecode, "urldecode": opDecode, "rawurldecode": opDecode,
	"curl_init": opNet, "get_headers": opNet, "fsockopen": opNetHost, "pfsockopen": opNetHost, "stream_socket_client": opNet,
	"getenv": opEnv, "glob": opValue, "realpath": opValue, "chown": opUnknown, "chgrp": opUnknown, "lchown": opUnknown, "link": opUnknown,
	"posix_kill": opUnknown, "posix_setuid": opUnknown, "posix_setgid": opUnknown, "pcntl_fork": opUnknown, "socket_create": opUnknown,
	"socket_connect": opNetPortHost, "putenv": opUnknown, "ini_set": opUnknown, "set_include_path": opUnknown, "ftp_connect": opNetHost,
}

var awkCalls = map[string]op{"system": opShell, "close": opNone}

func callsOf(l Lang) map[string]op {
	switch l {
	case Python:
		return pythonCalls
	case JavaScript:
		return jsCalls
	case Ruby:
		return rubyCalls
	case Perl:
		return perlCalls
	case PHP:
		return phpCalls
	case Awk:
		return awkCalls
	}
	return nil
}

// jsModules maps module specifiers to the names the tables use.
func jsModule(m string) string {
	switch m {
	case "fs", "node:fs", "graceful-fs":
		return "fs"
	case "fs/promises", "node:fs/promises":
		return "fs.promises"
	case "child_process", "node:child_process":
		return "child_process"
	case "http", "node:http", "https", "node:https", "net", "node:net", "tls", "node:tls", "os", "node:os", "path", "node:path",
		"vm", "node:vm", "zlib", "node:zlib", "dns", "node:dns", "process", "node:process", "module", "node:module":
		if len(m) > 5 && m[:5] == "node:" {
			return m[5:]
		}
		return m
	}
	return m
}
