package policy

import (
	"slices"
	"testing"
)

// TestCmdIndex checks that the index yields, in list order, every pattern
// that matches a text — the same matches as a scan of the whole list.
func TestCmdIndex(t *testing.T) {
	t.Parallel()
	patterns := []string{"terraform apply*", "pytest*", "tflint", "tflint *", "*rm -rf*", "*", "git push origin main",
		"kubectl --context * get *", "npm test*", "np*", "curl * | sh", "t*", "git*"}
	texts := []string{"terraform apply -auto-approve", "pytest -q", "pytestx", "tflint", "tflint --init", "sudo rm -rf /",
		"git push origin main", "git push origin mainline", "kubectl --context prod get pods", "npm test", "npx jest", "", "t",
		"$(echo rm) -rf /", "terraform", "gitk"}
	var list []cmdEntry
	for _, p := range patterns {
		g, err := compileCmdGlob(p)
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, cmdEntry{Entry: Entry{Pattern: p}, glob: g})
	}
	ix := newCmdIndex(list)
	for _, text := range texts {
		var want, got []int32
		for i := range list {
			if !list[i].glob.line && list[i].glob.match(text) {
				want = append(want, int32(i))
			}
		}
		ix.candidates(text, func(i int32) {
			if list[i].glob.match(text) {
				got = append(got, i)
			}
		})
		if !slices.Equal(got, want) {
			t.Errorf("%q: indexed matches %v, scan %v", text, got, want)
		}
	}
}
