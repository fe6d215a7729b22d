package shell

import (
	"encoding/json"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	in := os.Getenv("DUMP")
	if in == "" {
		t.Skip()
	}
	an, err := Analyze(in, Options{Dir: "/w"})
	if err != nil {
		t.Log("ERR", err)
		return
	}
	b, _ := json.MarshalIndent(an, "", " ")
	t.Log(string(b))
}
