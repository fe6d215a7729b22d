package policy

import (
	"math/bits"
	"strings"

	"github.com/cavra-dev/cavra/decision"
)

// cmdIndex narrows a command list to the patterns that can match a given
// command text, so that a pack with hundreds of command patterns costs a
// map lookup per command rather than a scan. Matching order is kept: the
// candidates come back in list order.
type cmdIndex struct {
	byName map[string][]int32 // patterns whose first word is literal and complete ("terraform apply*")
	byByte [256][]int32       // patterns starting with a literal prefix of the first word ("pytest*")
	rest   []int32            // patterns starting with * (per-command patterns only)
}

func newCmdIndex(list []cmdEntry) *cmdIndex {
	ix := &cmdIndex{byName: map[string][]int32{}}
	for i := range list {
		g := &list[i].glob
		p, whole := g.LiteralPrefix()
		switch {
		case g.line:
			// Whole-line patterns are matched separately.
		case p == "":
			ix.rest = append(ix.rest, int32(i))
		default:
			if sp := strings.IndexByte(p, ' '); sp > 0 {
				ix.byName[p[:sp]] = append(ix.byName[p[:sp]], int32(i))
			} else if whole {
				ix.byName[p] = append(ix.byName[p], int32(i))
			} else {
				ix.byByte[p[0]] = append(ix.byByte[p[0]], int32(i))
			}
		}
	}
	return ix
}

// candidates calls fn with the index of every pattern that may match text,
// in list order.
func (ix *cmdIndex) candidates(text string, fn func(i int32)) {
	if text == "" {
		for _, i := range ix.rest {
			fn(i)
		}
		return
	}
	name := text
	if sp := strings.IndexByte(text, ' '); sp >= 0 {
		name = text[:sp]
	}
	a, b, c := ix.byName[name], ix.byByte[text[0]], ix.rest
	// Merge three sorted lists.
	for len(a)+len(b)+len(c) > 0 {
		next := int32(-1)
		pick := 0
		if len(a) > 0 {
			next, pick = a[0], 1
		}
		if len(b) > 0 && (next < 0 || b[0] < next) {
			next, pick = b[0], 2
		}
		if len(c) > 0 && (next < 0 || c[0] < next) {
			next, pick = c[0], 3
		}
		switch pick {
		case 1:
			a = a[1:]
		case 2:
			b = b[1:]
		case 3:
			c = c[1:]
		}
		fn(next)
	}
}

// maxIndexedRules bounds the rules a ruleIndex covers; a Set with more
// screens every rule by its gate.
const maxIndexedRules = 256

// ruleIndex narrows a Set's command rules to those whose fact gates need a
// command named as one of the action's commands (gateSpec.cmdNames); a
// rule it does not name is still screened by its gate.
type ruleIndex struct {
	byName map[string][]int32 // rule indexes by a command name the rule's gate needs
	rest   []int32            // command rules whose gates need no name
}

// newRuleIndex indexes the rules that apply to execute_command; nil when
// there are too many rules.
func newRuleIndex(rules []*compiledRule) *ruleIndex {
	if len(rules) > maxIndexedRules {
		return nil
	}
	ix := &ruleIndex{byName: map[string][]int32{}}
	for i, r := range rules {
		if !r.appliesTo(decision.ExecuteCommand) {
			continue
		}
		names, ok := r.gateSpec.cmdNames()
		if !ok || r.gate == nil {
			ix.rest = append(ix.rest, int32(i))
			continue
		}
		for _, n := range names {
			if l := ix.byName[n]; len(l) == 0 || l[len(l)-1] != int32(i) {
				ix.byName[n] = append(l, int32(i))
			}
		}
	}
	return ix
}

func bits0(x uint64) int { return bits.TrailingZeros64(x) }
