// Package policy holds CAVRA's policy packs and decides actions with them.
//
// It has two layers. The decision layer is what runs on every decision: a
// compiled Set, built from a compiled policy document or loaded from a
// snapshot, and Set.Evaluate with the facts, fact gates, path and glob
// matching and shell analysis it uses. The authoring layer is what turns
// pack files into that document and works with packs as files: the pack
// format and its JSON Schema, the Library with the bundled packs and
// inheritance, Library.Compile (merging a chain of packs), Diff, SignFile and
// VerifyFile, and the pack tests (Library.RunTests).
//
// The authoring layer uses the decision layer (it compiles Sets and runs
// pack tests through Evaluate); the decision layer never calls into the
// authoring layer. Of the authoring files it only names the pack format's
// data types that a compiled document is made of (Entry, Rule, Filesystem,
// Commands) and the Error type. It imports the standard library, package
// decision, policy/shell, cel-go and protobuf (a snapshot's checked
// expressions) — never the schema validator, a YAML decoder, the JOSE
// library or go:embed, which only the authoring layer uses. A process that
// loads a snapshot and decides one action (a coding-agent hook) runs no
// authoring code.
//
//	file                decision layer                                  authoring layer
//	------------------  ----------------------------------------------  -------------------------------------------
//	compile.go          Set, its accessors, buildSet/compileDoc         Library.Compile, CompilePack, mergeChain
//	                    (a compiled document -> Set), list matchers     (packs -> compiled document)
//	cel.go              CEL environment, rules, programs
//	celrecord.go        CEL views of facts, no reflection
//	prefilter.go        fact gates that screen rules before CEL
//	facts.go            facts of an action (commands, paths, git, URLs)
//	effects.go          the effect-based commands default (commands.default: effect)
//	mcp.go, mcpsql.go   MCP tool calls decided by what they do (names, annotations, arguments)
//	mcptools.go         the pack's mcp.tools: what an MCP tool's arguments are
//	storedwrite.go      stored code a Write/Edit puts in .envrc, tasks.json, package.json, Makefile…
//	dataflow.go         dataflow facts of commands (runs, downloads, download-and-execute)
//	secretvars.go       secret-holding environment variables a command is given
//	network.go          network facts: hosts parsed and classified, secrets and files sent
//	blast.go            the blast radius of commands: dry runs, target environments
//	blast_db.go         database clients: their targets and what their statements do
//	service.go          remote services' clients: what their verbs do, where they act
//	fields.go           the fields CEL rules see, typed
//	evaluate.go         Set.Evaluate, Set.Explain, modes
//	paths.go, glob.go   path resolution, glob dialect
//	probe.go            the filesystem at decision time (links, globs; bounded)
//	cmdindex.go         index of command list entries
//	snapshot.go,        Set.Snapshot, LoadSnapshot; the rules' codec and
//	snapshot_codec.go,  the compiled document's reader
//	snapshot_doc.go
//	shell/              shell analysis (its own package)
//	pack.go                                                             Pack, Parse, schema validation; the format's
//	                                                                    types (Entry, Rule, …) both layers use
//	position.go                                                         CEL errors placed in the pack's YAML
//	load.go                                                             Library, bundled packs, LoadFile, inherits
//	diff.go                                                             Diff of compiled documents
//	sign.go                                                             SignFile, VerifyFile (JWS)
//	testrun.go                                                          Library.RunTests
//
// TestLayers (layers_test.go) enforces the table: a decision-layer
// declaration that names an authoring one, or a decision-layer file that
// imports the schema validator, YAML, JOSE or go:embed, fails it, and so does
// a new file that is not in the table.
//
// The boundary is in files, not packages: compile.go still holds both
// layers, the decision layer places a CEL error for a pack's author with
// position.go's helpers (TestLayers lists these crossings), and the whole
// package is linked (and its dependencies initialised)
// into every binary that uses either layer.
package policy
