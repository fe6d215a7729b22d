package evidence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/evidence"
)

func trustRoot(t testing.TB, l *testLog) *jose.JSONWebKeySet {
	t.Helper()
	set, err := l.keys.TrustRoot()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func bundleBytes(t testing.TB, l *testLog, q evidence.Query) []byte {
	t.Helper()
	b, err := l.Attest(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBundleRoundTrip(t *testing.T) {
	t.Parallel()
	l := newLog(t, evidence.Options{CheckpointEvery: 10})
	appendN(t, l.Log, 37)
	data := bundleBytes(t, l, evidence.Query{Session: "s-2"})
	rep, err := evidence.VerifyBundle(data, trustRoot(t, l), evidence.VerifyOptions{LogID: l.ID()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != 37 || len(rep.Records) != 7 || rep.LogID != l.ID() {
		t.Fatalf("report: size %d, %d records", rep.Size, len(rep.Records))
	}
	for _, r := range rep.Records {
		if r.Decision.SessionID != "s-2" {
			t.Fatalf("record %d of session %q", r.Seq, r.Decision.SessionID)
		}
	}
	// A compact re-encoding still verifies: records are hashed canonically.
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.VerifyBundle(buf.Bytes(), trustRoot(t, l), evidence.VerifyOptions{}); err != nil {
		t.Fatalf("compacted bundle: %v", err)
	}
	// Adjacent records are chained.
	data = bundleBytes(t, l, evidence.Query{FromSeq: 3, ToSeq: 9})
	if _, err := evidence.VerifyBundle(data, trustRoot(t, l), evidence.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Attest(context.Background(), evidence.Query{Session: "nobody"}); !errors.Is(err, evidence.ErrNotFound) {
		t.Fatalf("empty selection: %v", err)
	}
}

func TestBundleBadInput(t *testing.T) {
	t.Parallel()
	l := newLog(t, evidence.Options{})
	appendN(t, l.Log, 5)
	data := bundleBytes(t, l, evidence.Query{})
	trust := trustRoot(t, l)

	other := newLog(t, evidence.Options{})
	appendN(t, other.Log, 5)
	otherData := bundleBytes(t, other, evidence.Query{})

	// The other log's key signing this log's checkpoint: a forgery.
	forgedKey, err := other.keys.Signer()
	if err != nil {
		t.Fatal(err)
	}
	var b evidence.Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	forged := forgeCheckpoint(t, b, forgedKey, trust.Keys[0].KeyID)

	cases := []struct {
		name  string
		data  []byte
		trust *jose.JSONWebKeySet
		opts  evidence.VerifyOptions
		is    error
		msg   string
	}{
		{"empty", nil, trust, evidence.VerifyOptions{}, nil, "not a bundle"},
		{"garbage", []byte("\x00\xffnot json"), trust, evidence.VerifyOptions{}, nil, "not a bundle"},
		{"truncated", data[:len(data)/2], trust, evidence.VerifyOptions{}, nil, "not a bundle"},
		{"unknown field", bytes.Replace(data, []byte(`"format"`), []byte(`"extra":1,"format"`), 1), trust, evidence.VerifyOptions{}, nil, "unknown field"},
		{"unknown kid", otherData, trust, evidence.VerifyOptions{}, evidence.ErrUnknownKey, "not in the trust root"},
		{"another log", otherData, mergeSets(trust, trustRoot(t, other)), evidence.VerifyOptions{LogID: l.ID()}, evidence.ErrOtherLog, "want"},
		{"forged signature", forged, trust, evidence.VerifyOptions{}, evidence.ErrBadSignature, "does not verify"},
		{"no trust root", data, &jose.JSONWebKeySet{}, evidence.VerifyOptions{}, nil, "no trust root"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := evidence.VerifyBundle(c.data, c.trust, c.opts)
			if err == nil {
				t.Fatal("verified")
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func mergeSets(a, b *jose.JSONWebKeySet) *jose.JSONWebKeySet {
	return &jose.JSONWebKeySet{Keys: append(append([]jose.JSONWebKey(nil), a.Keys...), b.Keys...)}
}

// forgeCheckpoint re-signs the checkpoint with a key that is not trusted,
// claiming the trusted kid.
func forgeCheckpoint(t *testing.T, b evidence.Bundle, key jose.JSONWebKey, claimKID string) []byte {
	t.Helper()
	key.KeyID = claimKID
	dir := t.TempDir()
	_ = dir
	payload, err := json.Marshal(b.Checkpoint.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key},
		(&jose.SignerOptions{}).WithType(evidence.CheckpointType))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := obj.DetachedCompactSerialize()
	b.Checkpoint.Signature = sig
	out, _ := json.Marshal(b)
	return out
}

// TestBundleTamperEveryField changes every leaf value of a bundle, one at a
// time; each change must fail verification.
func TestBundleTamperEveryField(t *testing.T) {
	t.Parallel()
	l := newLog(t, evidence.Options{})
	appendN(t, l.Log, 6)
	data := bundleBytes(t, l, evidence.Query{FromSeq: 2, ToSeq: 3})
	trust := trustRoot(t, l)
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var paths [][]any
	walk(doc, nil, &paths)
	if len(paths) < 40 {
		t.Fatalf("only %d fields found", len(paths))
	}
	for _, p := range paths {
		var d any
		_ = json.Unmarshal(data, &d)
		mutate(d, p)
		out, _ := json.Marshal(d)
		if _, err := evidence.VerifyBundle(out, trust, evidence.VerifyOptions{}); err == nil {
			t.Errorf("changing %v went unnoticed", p)
		}
	}
}

func walk(v any, path []any, out *[][]any) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			walk(c, append(append([]any(nil), path...), k), out)
		}
	case []any:
		for i, c := range x {
			walk(c, append(append([]any(nil), path...), i), out)
		}
	default:
		*out = append(*out, path)
	}
}

func mutate(v any, path []any) {
	for i, k := range path {
		last := i == len(path)-1
		switch x := v.(type) {
		case map[string]any:
			if last {
				x[k.(string)] = changed(x[k.(string)])
				return
			}
			v = x[k.(string)]
		case []any:
			if last {
				x[k.(int)] = changed(x[k.(int)])
				return
			}
			v = x[k.(int)]
		}
	}
}

func changed(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" {
			return "x"
		}
		r := []rune(x)
		if r[len(r)-1] == '0' {
			r[len(r)-1] = '1'
		} else {
			r[len(r)-1] = '0'
		}
		return string(r)
	case float64:
		return x + 1
	case bool:
		return !x
	case nil:
		return "x"
	}
	return fmt.Sprint(v) + "x"
}

func TestKeyRotationKeepsOldCheckpointsVerifiable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, dir, evidence.Options{CheckpointEvery: 5})
	appendN(t, l.Log, 10)
	old := bundleBytes(t, l, evidence.Query{ToSeq: 3})
	ring := evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir))
	retired, cur, err := ring.Rotate(jose.ES256, "")
	if err != nil {
		t.Fatal(err)
	}
	if retired.KeyID == "" || cur.KeyID == retired.KeyID || cur.Algorithm != "ES256" {
		t.Fatalf("rotate: %+v %+v", retired, cur)
	}
	l.close()
	l2 := openLog(t, dir, evidence.Options{CheckpointEvery: 5})
	appendN(t, l2.Log, 10)
	newer := bundleBytes(t, l2, evidence.Query{})
	trust := trustRoot(t, l2)
	if len(trust.Keys) != 2 {
		t.Fatalf("trust root has %d keys", len(trust.Keys))
	}
	for _, b := range [][]byte{old, newer} {
		if _, err := evidence.VerifyBundle(b, trust, evidence.VerifyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := l2.Verify(context.Background(), nil); err != nil || rep.Checkpoints < 4 {
		t.Fatalf("verify after rotation: %+v %v", rep, err)
	}
	list, err := ring.List()
	if err != nil || len(list) != 2 || !list[0].Current || !list[0].Private || list[1].Private {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func TestGenerateRefusesSecondKey(t *testing.T) {
	t.Parallel()
	ring := evidence.NewKeyRing(t.TempDir())
	if _, err := ring.Generate(jose.EdDSA, "ev-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Generate(jose.EdDSA, "ev-2"); err == nil {
		t.Fatal("second generate succeeded")
	}
	k, err := ring.Signer()
	if err != nil || k.KeyID != "ev-1" {
		t.Fatalf("signer %q %v", k.KeyID, err)
	}
}
