package policy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The package's layers (see doc.go). Every non-test file is in one; a file
// in neither is mixed and its authoring declarations are listed.
const (
	decisionLayer  = "decision"
	authoringLayer = "authoring"
	mixedLayer     = "mixed"
)

var fileLayers = map[string]string{
	"cel.go":            decisionLayer,
	"celrecord.go":      decisionLayer,
	"cmdindex.go":       decisionLayer,
	"evaluate.go":       decisionLayer,
	"facts.go":          decisionLayer,
	"effects.go":        decisionLayer,
	"mcp.go":            decisionLayer,
	"mcpsql.go":         decisionLayer,
	"mcptools.go":       decisionLayer,
	"dataflow.go":       decisionLayer,
	"storedwrite.go":    decisionLayer,
	"secretvars.go":     decisionLayer,
	"network.go":        decisionLayer,
	"blast.go":          decisionLayer,
	"blast_db.go":       decisionLayer,
	"service.go":        decisionLayer,
	"fields.go":         decisionLayer,
	"glob.go":           decisionLayer,
	"paths.go":          decisionLayer,
	"probe.go":          decisionLayer,
	"prefilter.go":      decisionLayer,
	"snapshot.go":       decisionLayer,
	"snapshot_codec.go": decisionLayer,
	"snapshot_doc.go":   decisionLayer,
	"compile.go":        mixedLayer,
	"pack.go":           authoringLayer,
	"position.go":       authoringLayer,
	"load.go":           authoringLayer,
	"diff.go":           authoringLayer,
	"sign.go":           authoringLayer,
	"testrun.go":        authoringLayer,
	"doc.go":            "",
}

// mixedAuthoring are the authoring declarations of the mixed files (methods
// as Type.Method); their other declarations are in the decision layer.
var mixedAuthoring = map[string]bool{
	"Library.Compile": true, "CompilePack": true, "compileChain": true, "knownSections": true,
	"mergeChain": true, "mergeValue": true, "dedupe": true, "sortEntries": true,
}

// sharedFormat are the authoring declarations the decision layer may name:
// the pack format's data types a compiled document is made of, and the
// error type both layers report with.
var sharedFormat = map[string]bool{
	"Entry": true, "Rule": true, "Filesystem": true, "Commands": true, "Error": true,
}

// knownCrossings are uses of the authoring layer by the decision layer that
// are there for now, as "declaration -> name": both place a CEL error for a
// pack's author. buildSet compiles the rules a snapshot does not carry (and
// every rule of Library.Compile) through compileRuleIn, which finds the
// error in the pack's YAML text, and compileRuleAST draws a caret under the
// expression with exprCaret. They would move to the authoring side (errors
// placed by the caller) if the package split.
var knownCrossings = map[string]bool{
	"buildSet -> compileRuleIn":   true,
	"compileRuleAST -> exprCaret": true,
}

// decisionImports are import paths (prefixes) no decision-layer file may
// import: the schema validator, YAML, JOSE, embedded files, what only
// authoring needs.
var decisionImports = []string{
	"github.com/santhosh-tekuri/jsonschema", "go.yaml.in/yaml", "gopkg.in/yaml", "sigs.k8s.io/yaml",
	"github.com/cavra-dev/cavra/internal/yamljson", "github.com/go-jose/", "github.com/cavra-dev/cavra/internal/keys",
	"golang.org/x/text", "embed",
}

// TestLayers checks the boundary doc.go draws between the decision layer
// and the authoring layer. It reads the package's files with go/parser:
// a decision-layer declaration may not name a package-level declaration of
// the authoring layer other than sharedFormat. (Methods of authoring types
// cannot be reached without naming the type or a function that returns it,
// which this catches.)
func TestLayers(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*ast.File{}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		layer, ok := fileLayers[n]
		if !ok {
			t.Errorf("%s is in no layer: add it to the table in doc.go and to fileLayers", n)
			continue
		}
		if layer != "" && !strings.Contains(string(doc), n) {
			t.Errorf("doc.go's table does not name %s", n)
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = f
	}

	// Which layer declares each package-level name.
	declLayer := map[string]string{}
	layerOf := func(file, name string) string {
		if l := fileLayers[file]; l != mixedLayer {
			return l
		}
		if mixedAuthoring[name] {
			return authoringLayer
		}
		return decisionLayer
	}
	for n, f := range files {
		for _, d := range f.Decls {
			for _, name := range declNames(d) {
				declLayer[name] = layerOf(n, name)
			}
		}
	}
	for n := range mixedAuthoring {
		if _, ok := declLayer[n]; !ok {
			t.Errorf("mixedAuthoring names %s, which no file declares", n)
		}
	}

	for _, n := range sortedKeys(files) {
		f := files[n]
		if l := fileLayers[n]; l == decisionLayer || l == mixedLayer {
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range decisionImports {
					if strings.HasPrefix(p, bad) {
						t.Errorf("%s (decision layer) imports %s", n, p)
					}
				}
			}
		}
		for _, d := range f.Decls {
			dn := declNames(d)
			if len(dn) == 0 || layerOf(n, dn[0]) != decisionLayer {
				continue
			}
			for _, used := range namesUsed(f, d) {
				if declLayer[used] == authoringLayer && !sharedFormat[used] && !knownCrossings[dn[0]+" -> "+used] {
					t.Errorf("%s: %s (decision layer) uses %s (authoring layer)", n, dn[0], used)
				}
			}
		}
	}
}

// TestShellImports checks that the shell analysis stays on the standard
// library, mvdan.cc/sh and its own inline-code package (which stays on
// the standard library).
func TestShellImports(t *testing.T) {
	t.Parallel()
	names, _ := filepath.Glob("shell/*.go")
	inl, _ := filepath.Glob("shell/inline/*.go")
	names = append(names, inl...)
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), n, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(strings.Split(p, "/")[0], ".") && !strings.HasPrefix(p, "mvdan.cc/sh/") &&
				(p != "github.com/cavra-dev/cavra/policy/shell/inline" || strings.HasPrefix(n, "shell/inline/")) {
				t.Errorf("%s imports %s", n, p)
			}
		}
	}
}

// declNames returns the package-level names a declaration declares;
// a method is Type.Method.
func declNames(d ast.Decl) []string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) == 1 {
			return []string{recvType(d.Recv.List[0].Type) + "." + d.Name.Name}
		}
		return []string{d.Name.Name}
	case *ast.GenDecl:
		var out []string
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			}
		}
		return out
	}
	return nil
}

func recvType(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvType(e.X)
	case *ast.IndexExpr:
		return recvType(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// namesUsed returns the identifiers a declaration of f uses that could name
// a package-level declaration: not field or method selectors, not keys of
// literals, not the names it declares, not what the parser resolved to a
// local declaration.
func namesUsed(f *ast.File, d ast.Decl) []string {
	skip := map[*ast.Ident]bool{}
	var out []string
	ast.Inspect(d, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			skip[n.Sel] = true
		case *ast.KeyValueExpr:
			if id, ok := n.Key.(*ast.Ident); ok {
				skip[id] = true
			}
		case *ast.Field:
			for _, id := range n.Names {
				skip[id] = true
			}
		case *ast.FuncDecl:
			skip[n.Name] = true
		case *ast.TypeSpec:
			skip[n.Name] = true
		case *ast.ValueSpec:
			for _, id := range n.Names {
				skip[id] = true
			}
		case *ast.Ident:
			if n.Obj != nil && f.Scope.Lookup(n.Name) != n.Obj {
				return true // a local name
			}
			if !skip[n] {
				out = append(out, n.Name)
			}
		}
		return true
	})
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
