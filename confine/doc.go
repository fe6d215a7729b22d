// Package confine runs a command confined by the policy, for hosts that
// have no sandbox of their own (a Go agent's own shell tool, the MCP
// proxy's stdio child, `cavra run`), and maps a policy onto agents'
// native sandbox settings.
//
// FromPolicy derives a neutral Profile from a compiled policy: the paths
// the policy blocks reading and writing, CAVRA's own protected paths, the
// project, the writable caches and the network rules. Command returns a
// Cmd that starts under Landlock on Linux, the calling process staying
// unconfined; Profile.Grants says what is readable and writable.
//
// # Caveats
//
// Landlock only grants access; it cannot carve an exception out of a
// granted tree. Confine therefore never grants the home directory whole:
// it grants the entries of home that hold nothing the profile denies, and
// descends into the ones that do. A glob rule that names files in any
// directory ("**/*.pem") is enforced only in the directories confine
// enumerates; inside a granted tree (the project, a system directory)
// only the policy's decision before the command runs stops it. Cloud
// metadata addresses cannot be denied by address under Landlock, which
// restricts TCP ports: the default profile allows connecting to 443 only,
// and metadata services answer on 80. See docs/confinement.md.
package confine
