package approval_test

import (
	"errors"
	"fmt"

	"github.com/cavra-dev/cavra/approval"
)

// A person's factor for local approvals: only the argon2id hash of the
// approver passphrase is kept, and a guess is checked against it.
func ExampleHashPassphrase() {
	h, err := approval.HashPassphrase([]byte("correct horse battery"), approval.MinKDFParams) // enroll uses DefaultKDFParams
	if err != nil {
		panic(err)
	}
	fmt.Println(h.KDF, h.Verify([]byte("correct horse battery")) == nil)
	fmt.Println(errors.Is(h.Verify([]byte("a guess")), approval.ErrPassphrase))
	// Output:
	// argon2id true
	// true
}

// An approval from a command that Claude Code runs is recognised by its
// environment marker (and, on Linux, by the claude process above it).
func ExampleDetectAgent() {
	env := map[string]string{"CLAUDECODE": "1"}
	o, ok := approval.DetectAgent(func(k string) string { return env[k] }, "", 0)
	fmt.Println(ok, o.Agent, o.Evidence)
	// Output: true claude-code CLAUDECODE=1
}
