package redis_test

import (
	"testing"
	"time"

	"cityhub/redis"
	"cityhub/storetest"
)

// TestKV runs the KV conformance suite on the shared Redis. OpTimeout is raised: 50 racing callers under -race on a
// small machine may take longer than the default 200 ms.
func TestKV(t *testing.T) {
	prefix := sharedPrefix(t)
	opts := redis.Options{Prefix: prefix, OpTimeout: 5 * time.Second}
	storetest.KV(t, open(t, sharedURL(), opts).KV())
}

// TestKVSharedByPrefix: a second Client of the same prefix sees the first one's entries, one of
// another prefix does not.
func TestKVSharedByPrefix(t *testing.T) {
	prefix := sharedPrefix(t)
	other := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix}).KV()
	b := open(t, sharedURL(), redis.Options{Prefix: prefix}).KV()
	c := open(t, sharedURL(), redis.Options{Prefix: other}).KV()
	rev, err := a.KVPut(t.Context(), "k", []byte("v"), 0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := b.KVGet(t.Context(), "k"); err != nil || e.Rev != rev || string(e.Value) != "v" {
		t.Fatalf("the second client of the prefix reads %+v, %v", e, err)
	}
	if _, err := c.KVGet(t.Context(), "k"); err == nil {
		t.Fatal("a client of another prefix read the entry")
	}
}
