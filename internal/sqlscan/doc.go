// Package sqlscan tells what database statements do to data: read it,
// write it, or destroy it. It tokenizes SQL so that string literals, quoted
// identifiers and comments are data (`SELECT 'drop table x'` reads), and
// classifies each statement by its verb and shape (a DELETE or UPDATE
// without WHERE, ALTER … DROP and GRANT ALL destroy; INSERT, a targeted
// DELETE and CREATE write; SELECT, SHOW and EXPLAIN read). It also reads
// the mongo shell's JavaScript (--eval) and redis-cli command words.
//
// Caveats: it is a classifier, not a parser. A statement it does not know
// counts as a write; code it cannot see (a procedure that is CALLed, a
// trigger, EXECUTE of a computed string) counts as what its call looks
// like, a write. It never reports less than a write for text it does not
// understand, so a caller that lets reads through stays on the safe side.
package sqlscan
