package storetest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// KV is the conformance suite of dispatcher.KV. Its subtests share kv, each under keys of its
// own (a random prefix), so that one store, or one Redis, serves them all.
//
// Expiry follows the implementation's own clock, the wall clock for every store: the suite writes
// entries with a short TTL (kvTTL) and sleeps past it.
func KV(t *testing.T, kv dispatcher.KV) {
	tests := []struct {
		name string
		fn   func(t *testing.T, kv dispatcher.KV, key func(string) string)
	}{
		{"GetMissing", testKVGetMissing},
		{"Claim", testKVClaim},
		{"CompareAndSet", testKVCompareAndSet},
		{"Delete", testKVDelete},
		{"Expiry", testKVExpiry},
		{"ConcurrentClaim", testKVConcurrentClaim},
		{"ConcurrentIncrement", testKVConcurrentIncrement},
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "storetest:" + hex.EncodeToString(b[:]) + ":"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, kv, func(k string) string { return prefix + tc.name + ":" + k })
		})
	}
}

// kvTTL is the lifetime of the entries the suite lets expire.
const kvTTL = 200 * time.Millisecond

func testKVGetMissing(t *testing.T, kv dispatcher.KV, key func(string) string) {
	_, err := kv.KVGet(t.Context(), key("none"))
	wantCode(t, err, dispatcher.ENotFound, "KVGet of a key never written")
	must(t, kv.KVDelete(t.Context(), key("none"), 0), "KVDelete of a key never written")
	must(t, kv.KVDelete(t.Context(), key("none"), 7), "KVDelete with a revision of a key never written")
}

func testKVClaim(t *testing.T, kv dispatcher.KV, key func(string) string) {
	ctx := t.Context()
	rev, err := kv.KVPut(ctx, key("k"), []byte("first"), 0, 0)
	must(t, err, "claim")
	if rev <= 0 {
		t.Fatalf("claim returned revision %d, want > 0", rev)
	}
	_, err = kv.KVPut(ctx, key("k"), []byte("second"), 0, 0)
	wantCode(t, err, dispatcher.EConflict, "second claim of a live key")
	wantEntry(t, kv, key("k"), "first", rev)
	// Binary values and the empty value come back as written.
	bin := []byte{0, 0xff, 0xfe, '\n', 0}
	_, err = kv.KVPut(ctx, key("bin"), bin, 0, 0)
	must(t, err, "claim with a binary value")
	e, err := kv.KVGet(ctx, key("bin"))
	must(t, err, "KVGet binary")
	if !bytes.Equal(e.Value, bin) || !e.Expires.IsZero() {
		t.Errorf("binary entry: %x expires %v, want %x never", e.Value, e.Expires, bin)
	}
	rev2, err := kv.KVPut(ctx, key("empty"), nil, 0, 0)
	must(t, err, "claim with an empty value")
	wantEntry(t, kv, key("empty"), "", rev2)
	if rev2 <= rev {
		t.Errorf("revision of a later write %d <= %d of an earlier one", rev2, rev)
	}
}

func testKVCompareAndSet(t *testing.T, kv dispatcher.KV, key func(string) string) {
	ctx := t.Context()
	_, err := kv.KVPut(ctx, key("k"), []byte("v"), 5, 0)
	wantCode(t, err, dispatcher.EConflict, "KVPut with a revision on an absent key")
	r1, err := kv.KVPut(ctx, key("k"), []byte("v1"), 0, 0)
	must(t, err, "claim")
	r2, err := kv.KVPut(ctx, key("k"), []byte("v2"), r1, time.Hour)
	must(t, err, "KVPut with the right revision")
	if r2 <= r1 {
		t.Fatalf("new revision %d <= old %d", r2, r1)
	}
	_, err = kv.KVPut(ctx, key("k"), []byte("stale"), r1, 0)
	wantCode(t, err, dispatcher.EConflict, "KVPut with a stale revision")
	_, err = kv.KVPut(ctx, key("k"), []byte("zero"), 0, 0)
	wantCode(t, err, dispatcher.EConflict, "claim of a live key")
	e := wantEntry(t, kv, key("k"), "v2", r2)
	if d := time.Until(e.Expires); d < 50*time.Minute || d > 61*time.Minute {
		t.Errorf("entry written with a ttl of 1h expires in %v", d)
	}
	r3, err := kv.KVPut(ctx, key("k"), []byte("v3"), r2, 0)
	must(t, err, "KVPut without ttl")
	if e := wantEntry(t, kv, key("k"), "v3", r3); !e.Expires.IsZero() {
		t.Errorf("a ttl of 0 left the expiry at %v; want never", e.Expires)
	}
}

func testKVDelete(t *testing.T, kv dispatcher.KV, key func(string) string) {
	ctx := t.Context()
	r1, err := kv.KVPut(ctx, key("k"), []byte("v"), 0, 0)
	must(t, err, "claim")
	wantCode(t, kv.KVDelete(ctx, key("k"), r1+1000), dispatcher.EConflict, "KVDelete with a wrong revision")
	wantEntry(t, kv, key("k"), "v", r1)
	must(t, kv.KVDelete(ctx, key("k"), r1), "KVDelete with the right revision")
	_, err = kv.KVGet(ctx, key("k"))
	wantCode(t, err, dispatcher.ENotFound, "KVGet after KVDelete")
	must(t, kv.KVDelete(ctx, key("k"), r1), "KVDelete of a deleted key")
	r2, err := kv.KVPut(ctx, key("k"), []byte("again"), 0, 0)
	must(t, err, "claim after delete")
	if r2 <= r1 {
		t.Errorf("revision after delete %d <= %d before", r2, r1)
	}
	_, err = kv.KVPut(ctx, key("k"), []byte("stale"), r1, 0)
	wantCode(t, err, dispatcher.EConflict, "KVPut with the revision of the deleted entry")
	must(t, kv.KVDelete(ctx, key("k"), 0), "KVDelete with revision 0")
	_, err = kv.KVGet(ctx, key("k"))
	wantCode(t, err, dispatcher.ENotFound, "KVGet after KVDelete(0)")
}

func testKVExpiry(t *testing.T, kv dispatcher.KV, key func(string) string) {
	ctx := t.Context()
	r1, err := kv.KVPut(ctx, key("k"), []byte("short"), 0, kvTTL)
	must(t, err, "claim with a ttl")
	e := wantEntry(t, kv, key("k"), "short", r1)
	if d := time.Until(e.Expires); d <= 0 || d > kvTTL+time.Second {
		t.Errorf("entry with ttl %v expires in %v", kvTTL, d)
	}
	_, err = kv.KVPut(ctx, key("k"), []byte("early"), 0, 0)
	wantCode(t, err, dispatcher.EConflict, "claim before expiry")
	time.Sleep(kvTTL + 50*time.Millisecond)
	_, err = kv.KVGet(ctx, key("k"))
	wantCode(t, err, dispatcher.ENotFound, "KVGet after expiry")
	_, err = kv.KVPut(ctx, key("k"), []byte("stale"), r1, 0)
	wantCode(t, err, dispatcher.EConflict, "KVPut with the revision of an expired entry")
	r2, err := kv.KVPut(ctx, key("k"), []byte("again"), 0, 0)
	must(t, err, "claim after expiry")
	if r2 <= r1 {
		t.Errorf("revision after expiry %d <= %d before", r2, r1)
	}
	wantEntry(t, kv, key("k"), "again", r2)
	// An expired entry is absent to KVDelete too, whatever revision it is given.
	r3, err := kv.KVPut(ctx, key("gone"), []byte("x"), 0, kvTTL)
	must(t, err, "claim with a ttl")
	time.Sleep(kvTTL + 50*time.Millisecond)
	must(t, kv.KVDelete(ctx, key("gone"), r3+1), "KVDelete of an expired entry")
}

// testKVConcurrentClaim races 50 claims of one key: exactly one wins, the others conflict.
func testKVConcurrentClaim(t *testing.T, kv dispatcher.KV, key func(string) string) {
	const n = 50
	var wins, conflicts atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := kv.KVPut(t.Context(), key("k"), []byte(strconv.Itoa(i)), 0, time.Minute)
			switch dispatcher.ErrorCode(err) {
			case "":
				wins.Add(1)
			case dispatcher.EConflict:
				conflicts.Add(1)
			default:
				t.Errorf("claim %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != n-1 {
		t.Errorf("%d claims won and %d conflicted; want 1 and %d", wins.Load(), conflicts.Load(), n-1)
	}
}

// testKVConcurrentIncrement has 20 goroutines add to a counter by read-modify-write with
// compare-and-set, retrying on conflict: no increment is lost.
func testKVConcurrentIncrement(t *testing.T, kv dispatcher.KV, key func(string) string) {
	const workers, each = 20, 5
	_, err := kv.KVPut(t.Context(), key("n"), []byte("0"), 0, 0)
	must(t, err, "claim")
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if err := increment(t, kv, key("n")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	e, err := kv.KVGet(t.Context(), key("n"))
	must(t, err, "KVGet")
	if got := string(e.Value); got != strconv.Itoa(workers*each) {
		t.Errorf("counter is %s after %d increments", got, workers*each)
	}
}

// increment adds one to the decimal counter at key, retrying while other writers get in first.
func increment(t *testing.T, kv dispatcher.KV, key string) error {
	for {
		e, err := kv.KVGet(t.Context(), key)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(string(e.Value))
		if err != nil {
			return err
		}
		_, err = kv.KVPut(t.Context(), key, []byte(strconv.Itoa(n+1)), e.Rev, 0)
		if dispatcher.ErrorCode(err) != dispatcher.EConflict {
			return err
		}
	}
}

// wantEntry fails the test now unless key holds value at revision rev; it returns the entry.
func wantEntry(t *testing.T, kv dispatcher.KV, key, value string, rev int64) dispatcher.KVEntry {
	t.Helper()
	e, err := kv.KVGet(t.Context(), key)
	must(t, err, "KVGet "+key)
	if string(e.Value) != value || e.Rev != rev {
		t.Fatalf("KVGet %s = %q at revision %d, want %q at %d", key, e.Value, e.Rev, value, rev)
	}
	return e
}
