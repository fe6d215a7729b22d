// Package evidence is CAVRA's decision log: an append-only record of every
// decision, approval event, grant use, action outcome, policy change and
// break-glass, kept in a bbolt database and verifiable by someone who trusts
// nothing but a public key.
//
// A record is canonical JSON (sorted keys, no insignificant whitespace),
// stored under its big-endian sequence number (1, 2, …). Its leaf hash,
// SHA-256(0x00 || bytes), covers every field. The records form an RFC 6962
// Merkle tree, built with golang.org/x/mod/sumdb/tlog from stored tree
// hashes, so an inclusion or consistency proof costs O(log n) reads; each
// record also carries its predecessor's leaf hash ("prev"). Checkpoints
// {log_id, size, root_hash, time} are signed as detached JWS (Ed25519 by
// default, ES256 supported) by the KeyRing in the state directory, every
// CheckpointEvery records, every CheckpointInterval, and on Close. Each
// signed checkpoint also replaces the log's witness file, kept outside the
// database (Witness, DefaultWitnessPath): a log opened shorter than its
// witness, with another history, or as another log is in the Rollback state.
//
// A Bundle (Log.Attest) holds selected records, an inclusion proof for each
// and the signed checkpoint they prove against; VerifyBundle checks it
// offline with the JWKS trust root (KeyRing.TrustRoot). Log.Verify checks a
// whole log and names the first bad sequence number.
//
// # Durability
//
// In Durable mode (the default) Append returns after the record's
// transaction is committed and fsynced. Appends that arrive while a commit
// is in progress are written together by the next one (group commit), so N
// concurrent writers share one fsync. In Async mode Append returns once the
// record is numbered and queued; Flush waits for everything queued, and
// Close drains the queue and writes a final checkpoint.
//
// # Caveats
//
//   - Async mode gives up durability: records still queued when the process
//     dies are lost, although their references were handed out, and a write
//     failure is reported by Flush, Close and later Appends, not by the
//     Append whose record failed.
//   - A write failure is sticky: the Log refuses further appends until it is
//     reopened, so the Guard fails closed instead of writing around a gap.
//   - Records after the newest checkpoint are hashed and chained but not yet
//     signed; someone able to rewrite the database file could rewrite that
//     tail consistently. Verify reports how many there are.
//   - Secondary indexes are not covered by the tree: a damaged index can
//     make a query miss records, never make a changed record verify. Bundles
//     prove that each record they hold is in the log, not that the
//     selection is complete.
//   - Prune removes record bodies but keeps their leaf hashes; what they
//     said cannot be recovered, only that the remaining records belong to
//     the same tree. A log under legal hold is never pruned.
//   - One Log per database: it numbers records in memory. Use
//     internal/store's Shared to share one between users of a process.
//   - bbolt files never shrink; compact them offline (cavra evidence compact).
//   - A witness (Options.Witness) is as strong as the file it lives in: it
//     detects a database rolled back, replaced, emptied or deleted, but not
//     one restored together with an old copy of its witness, and records
//     after the witnessed checkpoint can still be rolled back unnoticed.
//     A failing log opens in its Rollback state (appends refused) rather
//     than not at all, so that its owner can answer every request with a
//     block; ResetWitness is the deliberate way on.
package evidence
