// Package shell tells what a shell command line runs, before it runs.
//
// Analyze parses a line with the bash grammar of mvdan.cc/sh/v3/syntax and
// lists every simple command that may execute, so a policy can judge each
// one rather than the raw text. It sees
//
//   - lists, pipelines, subshells, { } groups, if/while/for/case bodies and
//     function bodies;
//   - through wrappers (sudo, doas, env, command, builtin, exec, nohup,
//     setsid, timeout, time, nice, stdbuf, xargs, watch), reporting the
//     wrapped command with the wrappers in Command.Via;
//   - into shell commands run by interpreter code with a string literal
//     (os.system, subprocess.run, execSync, system…);
//   - into carriers: `sh -c '…'` (and bash, zsh, dash, ksh…), eval of static
//     text, static heredocs fed to a shell, find -exec, and $(…), `…`, <(…)
//     and >(…) anywhere in a word, a redirection or an assignment;
//   - quoting: \rm, "rm", 'r'm and $'\x72m' all name rm, and the directory
//     of a command word is moved to Command.Path.
//
// For each command it also records facts (Command.Reads, Writes, Deletes,
// URLs, Hosts, Code, Git): which arguments of common tools are files read,
// written or deleted (rm, mv, cp, tee, sed -i, cat, grep's files, curl -d
// @file, tar…), file redirections, URLs and hosts contacted, inline
// interpreter code, and what a git command does (subcommand, remote, refs,
// force, delete, reset --hard, clean -f). The knowledge is one table in
// facts.go. Arguments of data-only commands (echo, printf) are never paths;
// an unknown tool's operands that look like paths are taken as reads.
// Interpreter code (python -c, node -e, a heredoc fed to python…) is kept in
// Command.Code and scanned for obvious calls (os.remove("x"),
// os.system("rm …"), URLs); shell commands found there are analysed as
// nested commands.
//
// Dataflow within the line is in Command.Runs (what a command runs or loads
// as code: a script, ./prog, a sourced file, a build tool's Makefile or
// package.json, files its environment names), Command.Downloads (what it
// writes with content from the network) and Command.RunsDownloaded (runs
// that an earlier command downloaded): see dataflow.go. Settings whose
// value is a command (GIT_SSH_COMMAND, EDITOR, PROMPT_COMMAND, git -c
// core.pager=…, alias.x=!…) are analysed as the commands they run.
//
// What it cannot see it says: a command whose name is computed ($CMD,
// $(…), a glob, a brace expansion) has Dynamic set; one that runs code the
// analysis cannot read (eval, source, a shell or interpreter reading its
// script from a pipe or a file on stdin, inline python -c code, a dynamic
// sh -c string) has a reason in Command.Opaque. A policy should treat both
// as unknown, never as harmless.
//
// # Caveats
//
// The analysis is static and deliberately simple. It does not promise:
//
//   - aliases, PATH lookups, shell functions or scripts defined elsewhere:
//     "ls" is reported as ls even if an alias or a ./ls on PATH replaces it;
//     functions and aliases defined on the same line are reported at the
//     definition (their bodies, the alias's value) and at each call (by
//     name), not linked;
//   - runtime values: variables, globs and substitutions keep their source
//     text; `X=rm; $X -rf /` is a dynamic command — reported besides as
//     `rm -rf /` (via "$X") when an assignment on the line gave X a static
//     value, but the dynamic command stays, so the line remains unresolved;
//   - what programs do with their arguments: make, npm run, git aliases,
//     python script.py and the like run code the analysis does not read,
//     and they are not marked Opaque — only code handed over on the line
//     itself (eval, -c, stdin) is;
//   - every wrapper: only those listed above are seen through; others
//     (chroot, ionice, flock, strace…) are reported as the command itself,
//     with the rest as arguments; commands run elsewhere (ssh host cmd,
//     kubectl/oc/docker/podman exec, gcloud compute ssh --command, ansible
//     -a) are reported besides as commands of their own with
//     Command.Remote naming the place (remote.go);
//   - exact option parsing: wrapper options are skipped from tables of the
//     common GNU and BSD forms; an unknown option taking a value may make
//     that value look like the command (which errs on the side of showing
//     more);
//   - other dialects: zsh- or fish-only syntax is a parse error, and brace
//     expansion is not expanded (a command name containing one is dynamic);
//   - Command.Dir is a best effort: it follows static cd and pushd in the
//     current shell (~ and $HOME with Options.Home) and gives up ("") after
//     anything conditional;
//   - facts are lexical and partial: paths are as written, globs and
//     variables unexpanded; a tool's options are read from a table of the
//     common ones, so an unlisted option taking a value may shift operands;
//     what xargs feeds a command, what a script file does, and anything
//     interpreter code computes are not facts.
//
// Analyze never panics and bounds its work: input is limited to MaxInput
// bytes, bracket nesting to MaxNesting (deeper input would overflow the
// parser's stack), and nesting of re-parsed scripts, substitutions,
// find -exec, time and coproc to Options.MaxDepth. Exceeding a limit is an
// error, as is a syntax error; a caller should then refuse the line.
package shell
