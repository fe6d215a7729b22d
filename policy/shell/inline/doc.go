// Package inline reads interpreter code given on a command line — python
// -c, node -e, ruby -e, perl -e, php -r, awk programs and heredocs fed to
// these interpreters — as code, so that string literals and comments are
// data and calls are facts.
//
// Each language family has a hand-written lexer (Tokenize): there is no
// well-kept Go parser for all of them, and telling data from code needs
// only the lexical level — strings with their prefixes, escapes and
// interpolations (f"{…}", `${…}`, "#{…}", "@{[…]}", "{$…}"), comments, regular
// expressions (told from division by the previous token), Ruby and Perl
// heredocs, Perl's quote-like operators, PHP text outside <?php. Tokens
// are contiguous and concatenate back to the input. Code the lexer cannot
// tokenize is an error (ErrLex); callers treat it as unknown.
//
// Analyze walks the tokens with a small evaluator: imports and aliases,
// assignments made once, literal concatenation and joins, and tables of the
// calls that delete, write, read, run commands, contact the network or
// read the environment (sinks.go). What it finds is Facts. Obfuscation —
// eval of computed strings, decoded strings run, names computed for
// getattr/__import__/require — and what is left to run time are facts too
// (Obfuscated, Unknown), so that a policy never reads "no facts" where the
// analysis saw nothing it could name.
//
// Caveats: the evaluator follows one program straight through; it does
// not run loops, follow functions across calls or know what third-party
// modules do. It errs towards Unknown for process, file and network
// modules (sensitive.go) and towards no fact for everything else, which
// is what the shell analysis does for a tool it does not know.
package inline
