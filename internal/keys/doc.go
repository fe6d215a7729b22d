// Package keys holds CAVRA's signing keys and its detached JWS format.
//
// Keys are JSON Web Keys (RFC 7517) stored one per file: KID.private.jwk
// (mode 0600) and KID.public.jwk (mode 0644). Verifiers read a JWK or a JWK
// Set (JWKS) of public keys. Signatures are detached compact JWS
// ("header..signature", RFC 7515 appendix F) whose protected header carries
// alg, kid and typ, so the signed bytes can be stored as they are and the
// signature beside them.
//
// The same package serves policy signing, evidence checkpoints and local
// approvals; each use passes its own typ so a signature made for one cannot
// be replayed as another.
//
// # Caveats
//
//   - Only Ed25519 (EdDSA) and P-256 (ES256) keys are accepted. RSA, HMAC and
//     "none" are refused everywhere, for signing and for verification.
//   - A key is selected only by the kid in the protected header; keys
//     embedded in the JWS header (jwk, x5c) are never trusted.
//   - The typ comparison is exact (case-sensitive, no "application/" prefix
//     handling), since CAVRA produces every JWS it verifies.
//   - The file-mode check on private keys runs on unix only; on Windows the
//     ACLs of the directory are the user's responsibility.
//   - Private keys are held in memory as ordinary Go values; nothing here
//     zeroes them or uses hardware-backed storage.
package keys
