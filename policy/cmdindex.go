package policy

import (
	"slices"
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

// ruleMask is a set of rule indexes below maxIndexedRules.
type ruleMask [maxIndexedRules / 64]uint64

func (m *ruleMask) set(i int) { m[i>>6] |= 1 << (i & 63) }
func (m *ruleMask) or(o *ruleMask) {
	for w := range m {
		m[w] |= o[w]
	}
}

// ruleIndex narrows a Set's command rules to those whose fact gates can
// pass: at compile time each gate is read for facts it cannot pass without
// (gateSpec.needs) — one of some command names, a command with a field set,
// a git invocation, an action fact — and at evaluation only the rules one of
// whose needs the action meets have their gates run. A rule whose gate does
// not say is screened by its gate alone.
type ruleIndex struct {
	byType map[decision.ActionType]*ruleMask // the rules that apply to each action type
	byName map[string]*ruleMask              // rules needing a command of that name
	keys   []ruleKey                         // rules needing some other fact, one entry a fact
	rest   ruleMask                          // rules with no known need
}

// ruleKey is a fact some rules need and the rules that need it.
type ruleKey struct {
	need
	rules ruleMask
}

// need is one fact an action may have. kind: "name" (a command named
// field), "str" (a command whose string field is set), "list" (a command
// whose list field has an element), "dynamic" (a dynamic command), "git"
// (a git invocation), "fact" (the action's fact list field has an element).
type need struct{ kind, field string }

// newRuleIndex indexes a Set's rules; nil when there are too many.
func newRuleIndex(rules []*compiledRule) *ruleIndex {
	if len(rules) > maxIndexedRules {
		return nil
	}
	ix := &ruleIndex{byType: map[decision.ActionType]*ruleMask{}, byName: map[string]*ruleMask{}}
	for _, t := range decision.ActionTypes {
		ix.byType[t] = &ruleMask{}
	}
	at := map[need]int{}
	for i, r := range rules {
		for t, m := range ix.byType {
			if r.appliesTo(t) {
				m.set(i)
			}
		}
		needs, ok := r.gateSpec.needs()
		if !ok || r.gate == nil {
			ix.rest.set(i)
			continue
		}
		for _, n := range needs {
			if n.kind == "name" {
				if ix.byName[n.field] == nil {
					ix.byName[n.field] = &ruleMask{}
				}
				ix.byName[n.field].set(i)
				continue
			}
			k, seen := at[n]
			if !seen {
				k = len(ix.keys)
				at[n] = k
				ix.keys = append(ix.keys, ruleKey{need: n})
			}
			ix.keys[k].rules.set(i)
		}
	}
	return ix
}

// candidates returns the rules that apply to an action of type t and whose
// needs its facts f meet; false when t is not a known type.
func (ix *ruleIndex) candidates(t decision.ActionType, f *Facts) (ruleMask, bool) {
	typed := ix.byType[t]
	if typed == nil {
		return ruleMask{}, false
	}
	mark := ix.rest
	for i := range f.Commands {
		if m := ix.byName[f.Commands[i].Name]; m != nil {
			mark.or(m)
		}
	}
	for k := range ix.keys {
		if key := &ix.keys[k]; key.met(f) {
			mark.or(&key.rules)
		}
	}
	for w := range mark {
		mark[w] &= typed[w]
	}
	return mark, true
}

// met reports whether f has the fact.
func (n *need) met(f *Facts) bool {
	switch n.kind {
	case "git":
		return len(f.Git) > 0
	case "fact":
		return len(factList(n.field)(f)) > 0
	case "dynamic":
		for i := range f.Commands {
			if f.Commands[i].Dynamic {
				return true
			}
		}
	case "str":
		str := commandTable.strOf(n.field)
		for i := range f.Commands {
			if str(&f.Commands[i]) != "" {
				return true
			}
		}
	case "list":
		list := commandTable.strsOf(n.field)
		for i := range f.Commands {
			if len(list(&f.Commands[i])) > 0 {
				return true
			}
		}
	}
	return false
}

// needs returns facts an action gate cannot pass without one of; false
// when the gate does not say. Every need names a field the gate builder
// accepted (the gate was built), so the accessors exist.
func (g *gateSpec) needs() ([]need, bool) {
	if g == nil {
		return nil, false
	}
	switch g.Op {
	case "and", "or":
		return g.needsOf((*gateSpec).needs)
	case "commands":
		if len(g.Of) == 1 {
			return g.Of[0].cmdNeeds()
		}
	case "git":
		return []need{{kind: "git"}}, true
	case "nonempty", "match", "equal":
		if factList(g.Field) != nil {
			return []need{{kind: "fact", field: g.Field}}, true
		}
	}
	return nil, false
}

// cmdNeeds returns facts of a command a command gate cannot pass without
// one of.
func (g *gateSpec) cmdNeeds() ([]need, bool) {
	switch g.Op {
	case "and", "or":
		return g.needsOf((*gateSpec).cmdNeeds)
	case "dynamic":
		return []need{{kind: "dynamic"}}, true
	case "in":
		if !isCmdString(g.Field) || len(g.Lits) == 0 {
			break
		}
		if g.Field == "name" {
			out := make([]need, len(g.Lits))
			for i, l := range g.Lits {
				out[i] = need{kind: "name", field: l}
			}
			return out, true
		}
		if !slices.Contains(g.Lits, "") {
			return []need{{kind: "str", field: g.Field}}, true
		}
	case "prefix":
		if isCmdString(g.Field) && len(g.Lits) == 1 && g.Lits[0] != "" {
			return []need{{kind: "str", field: g.Field}}, true
		}
	case "set":
		if isCmdString(g.Field) {
			return []need{{kind: "str", field: g.Field}}, true
		}
	case "list", "listin", "has", "lists", "listmatch":
		if !isCmdList(g.Field) {
			break
		}
		out := []need{{kind: "list", field: g.Field}}
		if g.Field2 != "" {
			if !isCmdList(g.Field2) {
				break
			}
			out = append(out, need{kind: "list", field: g.Field2})
		}
		return out, true
	}
	return nil, false
}

// needsOf combines the needs of g's parts: a conjunction needs what one of
// its parts needs (the one with the fewest needs, command names first); a
// disjunction needs one of any part's needs, and nothing known when a part
// has none.
func (g *gateSpec) needsOf(of func(*gateSpec) ([]need, bool)) ([]need, bool) {
	if len(g.Of) == 0 {
		return nil, false
	}
	var out []need
	found := false
	for _, x := range g.Of {
		n, ok := of(x)
		switch {
		case g.Op == "or" && !ok:
			return nil, false
		case g.Op == "or":
			out = append(out, n...)
			found = true
		case ok && (!found || better(n, out)):
			out, found = n, true
		}
	}
	return out, found
}

// better reports whether needs a screen more than needs b: only command
// names over other facts, then fewer.
func better(a, b []need) bool {
	an, bn := onlyNames(a), onlyNames(b)
	if an != bn {
		return an
	}
	return len(a) < len(b)
}

func onlyNames(l []need) bool {
	for _, n := range l {
		if n.kind != "name" {
			return false
		}
	}
	return true
}
