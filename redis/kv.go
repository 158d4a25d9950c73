package redis

import (
	"context"
	"errors"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"cityhub/dispatcher"
)

// KV is dispatcher.KV on Redis, shared by every Client of the same prefix. An entry is a hash
// <prefix>:kv:<key> with fields v (the value) and r (its revision), expiring natively (PEXPIRE);
// revisions come from the counter <prefix>:kv-rev (INCR), so they grow across deletes and expiry
// and a compare-and-set holding the revision of a vanished entry never matches its successor.
// Each call is one Lua script, so a compare-and-set is atomic.
//
// Calls go through the Client's pipeline and are bounded by Options.OpTimeout (200 ms by
// default); when Redis cannot be reached they return an EUnavailable error.
type KV struct{ c *Client }

var _ dispatcher.KV = (*KV)(nil)

// KV returns the KV of the Client's prefix.
func (c *Client) KV() *KV { return &KV{c: c} }

// kvGetScript answers {value, revision, milliseconds to live (-1: never)}, or nil.
var kvGetScript = newScript(`
local e = redis.call('HMGET', KEYS[1], 'v', 'r')
if not e[2] then return false end
return {e[1], e[2], redis.call('PTTL', KEYS[1])}
`)

// kvPutScript writes ARGV[2] at KEYS[1] if its revision is ARGV[1] (0: absent), with a lifetime of
// ARGV[3] ms (0: none). It answers the new revision, or -1 when the revision did not match.
var kvPutScript = newScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'r') or '0')
if cur ~= tonumber(ARGV[1]) then return -1 end
local rev = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', rev)
if tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
  redis.call('PERSIST', KEYS[1])
end
return rev
`)

// kvDeleteScript deletes KEYS[1] if its revision is ARGV[1] (0: whatever it is). It answers 0 when
// the key is absent, 1 when deleted, -1 when the revision did not match.
var kvDeleteScript = newScript(`
local cur = redis.call('HGET', KEYS[1], 'r')
if not cur then return 0 end
if tonumber(ARGV[1]) ~= 0 and tonumber(cur) ~= tonumber(ARGV[1]) then return -1 end
redis.call('DEL', KEYS[1])
return 1
`)

// KVGet implements dispatcher.KV.
func (k *KV) KVGet(ctx context.Context, key string) (dispatcher.KVEntry, error) {
	cmd := kvGetScript.evalSha(ctx, []string{k.c.key("kv", key)})
	err := k.c.do(ctx, cmd, kvGetScript)
	if errors.Is(err, goredis.Nil) {
		return dispatcher.KVEntry{}, dispatcher.Errorf(dispatcher.ENotFound, "no value at %q", key)
	}
	if err != nil {
		return dispatcher.KVEntry{}, failure("reading a value", err)
	}
	return kvEntry(cmd.Val())
}

// kvEntry decodes the answer of kvGetScript.
func kvEntry(reply any) (dispatcher.KVEntry, error) {
	parts, ok := reply.([]any)
	if !ok || len(parts) != 3 {
		return dispatcher.KVEntry{}, failure("reading a value", errors.New("unexpected reply of the kv script"))
	}
	v, _ := parts[0].(string)
	rev, err1 := toInt64(parts[1])
	ttl, err2 := toInt64(parts[2])
	if err := errors.Join(err1, err2); err != nil {
		return dispatcher.KVEntry{}, failure("reading a value", err)
	}
	e := dispatcher.KVEntry{Value: []byte(v), Rev: rev}
	if ttl > 0 {
		e.Expires = time.Now().Add(time.Duration(ttl) * time.Millisecond)
	}
	return e, nil
}

// KVPut implements dispatcher.KV. The ttl is rounded up to whole milliseconds.
func (k *KV) KVPut(ctx context.Context, key string, value []byte, rev int64, ttl time.Duration) (int64, error) {
	var ms int64
	if ttl > 0 {
		ms = millis(ttl)
	}
	if value == nil {
		value = []byte{}
	}
	cmd := kvPutScript.evalSha(ctx, []string{k.c.key("kv", key), k.c.opts.Prefix + ":kv-rev"}, rev, value, ms)
	if err := k.c.do(ctx, cmd, kvPutScript); err != nil {
		return 0, failure("saving a value", err)
	}
	next, err := cmd.Int64()
	if err != nil {
		return 0, failure("saving a value", err)
	}
	if next < 0 {
		return 0, dispatcher.Errorf(dispatcher.EConflict, "%q changed meanwhile", key)
	}
	return next, nil
}

// KVDelete implements dispatcher.KV.
func (k *KV) KVDelete(ctx context.Context, key string, rev int64) error {
	cmd := kvDeleteScript.evalSha(ctx, []string{k.c.key("kv", key)}, rev)
	if err := k.c.do(ctx, cmd, kvDeleteScript); err != nil {
		return failure("deleting a value", err)
	}
	n, err := cmd.Int64()
	if err != nil {
		return failure("deleting a value", err)
	}
	if n < 0 {
		return dispatcher.Errorf(dispatcher.EConflict, "%q changed meanwhile", key)
	}
	return nil
}

// toInt64 reads an integer reply, or a decimal string reply (a hash field).
func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, errors.New("unexpected reply of the kv script")
}
