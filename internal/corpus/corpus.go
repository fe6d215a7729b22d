// Package corpus loads the coding-agent corpus (testdata/corpus/*.jsonl):
// Claude Code tool calls with the decision the default pack must give
// them. The root package's corpus test scores the pack on it; the CLI's
// differential test runs it through every door that decides.
package corpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
)

// The corpus runs in a fixed place so that results do not depend on the
// machine: the project is /home/dev/proj, the home directory /home/dev.
const (
	Project = "/home/dev/proj"
	Home    = "/home/dev"
)

// Case is one line of a corpus file.
type Case struct {
	claudecode.ToolCall
	Expect      string `json:"expect"`      // block | require_approval | allow
	Category    string `json:"category"`    // dangerous | approval | routine
	Note        string `json:"note"`        //
	Environment string `json:"environment"` // context.environment, when the case depends on it
	Branch      string `json:"branch"`      // context.branch (the checked-out branch)

	File string `json:"-"` // the file's base name
	Line int    `json:"-"`
}

// Load reads every *.jsonl file in dir. Blank lines and lines starting
// with '#' are skipped; a line that does not parse, or whose expect or
// category is not one of the known values, is an error.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("corpus: no *.jsonl files in %s (%v)", dir, err)
	}
	var cases []Case
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 || line[0] == '#' {
				continue
			}
			var c Case
			if err := json.Unmarshal(line, &c); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", f, n, err)
			}
			c.File, c.Line = filepath.Base(f), n
			switch c.Expect {
			case "block", "require_approval", "allow":
			default:
				return nil, fmt.Errorf("%s:%d: expect %q", f, n, c.Expect)
			}
			switch c.Category {
			case "dangerous", "approval", "routine":
			default:
				return nil, fmt.Errorf("%s:%d: category %q", f, n, c.Category)
			}
			cases = append(cases, c)
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return cases, nil
}

// Action maps the case as the Claude Code hook does, in the corpus's fixed
// project and home.
func (c Case) Action() cavra.Action {
	a := claudecode.Action(c.ToolCall)
	if a.Context == nil {
		a.Context = map[string]string{}
	}
	if a.Context["cwd"] == "" {
		a.Context["cwd"] = Project
	}
	a.Context["project_root"] = Project
	a.Context["home"] = Home
	if c.Environment != "" {
		a.Context["environment"] = c.Environment
	}
	if c.Branch != "" {
		a.Context["branch"] = c.Branch
	}
	return a
}

// String names the case: file:line tool.
func (c Case) String() string { return fmt.Sprintf("%s:%d %s", c.File, c.Line, c.ToolName) }
