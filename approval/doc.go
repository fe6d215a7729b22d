// Package approval turns require_approval into a real pause: a request that
// people answer, and a grant that lets exactly the approved action through.
//
// The loop, as the Guard runs it:
//
//  1. The policy says require_approval. Store.Check(ctx, action,
//     RequireApproval) looks for a live denial (block, rule
//     approval.denied) or a live grant for the action's canonical digest
//     and agent (allow, rule approval.granted; one use is consumed
//     atomically).
//  2. If neither, Store.Submit creates a request routed to an approver
//     group (or returns the pending one for the same digest, agent and
//     session) and the decision carries its id as approval_id.
//  3. A person calls Store.Approve with an OIDC ID token (IDToken), verified
//     against the issuer's JWKS, or with a LocalSignature made with this
//     machine's key. Group membership (through RBAC), separation of duties
//     and quorum are enforced; when the quorum is met a Grant is created.
//  4. The next evaluation of the identical action finds the grant.
//
// Routing (Routing, DefaultRouting, LoadRouting) chooses the approver
// group, quorum and lifetimes from the deciding rule, the action and its
// context; its target, repo and environment conditions are globs of the
// dialect in docs/policy.md#globs. BreakGlass creates a grant at once for a verified member of the
// break-glass group, with a reason and a time box. Notifier (and the Webhook
// implementation) tell people without ever blocking an evaluation.
//
// Every state change returns Event values; the caller writes them to
// evidence. Refused attempts (a forged token, a self-approval) return an
// EventRejected event together with the error, so they are recorded too.
// Errors are specific sentinels (ErrTokenExpired, ErrSelfApproval, …) that
// also match ErrUnauthenticated or ErrForbidden.
//
// # Caveats
//
//   - Requests and grants live in the process's shared bbolt file. Grant
//     consumption is atomic within that file, which one process owns at a
//     time; there is no cross-host coordination.
//   - A grant binds the action digest, which covers type, target,
//     operation, tool, server, args and context (cwd, repo, …), and the
//     agent id; the session only when the route says bind_session. An
//     agent id is what the adapter reports; it is not authenticated here.
//   - Local approvals prove possession of the local key, not who a person
//     is. The cavra CLI adds a person's factor in front of the key: the
//     approver passphrase (HashPassphrase, kept only as an argon2id hash)
//     typed on the controlling terminal, and no approval from inside a
//     coding agent (DetectAgent); this package does not ask for either. They are exempt from separation of duties (a lone developer
//     approves their own agent's actions), count as one approver per key,
//     and hold whatever group the request names. A route with
//     allow_local: false refuses them. Anyone — or any agent — that can
//     read the private key can approve. An agent running as the same user
//     can read a 0600 key file, so keep the key out of the agent's reach
//     (the baseline pack blocks writes to .cavra/, not every read) or use
//     an identity provider.
//   - Separation of duties compares the requester's actor with the token's
//     subject, email and preferred_username, case-insensitively. It is only
//     as good as the actor string the adapter supplies.
//   - Expiry is checked on every read; Sweep only records it (events) and
//     tidies storage. Times come from the local clock.
//   - A JWKS is cached (CacheTTL) and refetched at most every
//     MinJWKSRefresh on an unknown kid; a key removed at the issuer is
//     trusted until the cache expires, and for as long as the endpoint is
//     unreachable the last good set keeps serving. Token revocation is not
//     checked, and a token may be presented again until it expires (it
//     still counts once toward a quorum). One fetch at a time: concurrent
//     verifications wait for it (at most FetchTimeout).
//   - Requests are kept after they end (List, show); Prune deletes old
//     ones. List scans every request.
//   - Webhook deliveries happen after the state change is committed; a
//     process that exits with a full queue loses those notifications (the
//     Report callback and EventNotifyFailed say so).
//   - Break-glass grants also answer actions the policy blocks; ordinary
//     grants never do.
package approval
