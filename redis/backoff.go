package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"cityhub/dispatcher"
)

// attemptScript is dispatcher.Backoff's Attempt on the hash KEYS[1] {n: failures, last: the time
// of the last one, in ms}, atomically, on Redis's own clock (TIME), so that instances whose clocks
// differ agree. ARGV: free, base, max and forget (ms). It returns the ms left to wait, or 0 when
// the attempt is counted. The key expires forget ms after the last failure.
var attemptScript = newScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free, base, maxw, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if n > 0 and now >= last + forget then
  n = 0
end
if n > free then
  local shift = n - free - 1
  local wait = maxw
  if shift < 30 then
    wait = math.min(base * 2 ^ shift, maxw)
  end
  if now < last + wait then
    return math.max(last + wait - now, 1)
  end
end
redis.call('HSET', KEYS[1], 'n', n + 1, 'last', now)
redis.call('PEXPIRE', KEYS[1], forget)
return 0
`)

// forgiveScript takes one failure back from KEYS[1], removing the key at none.
var forgiveScript = newScript(`
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n > 1 then
  redis.call('HINCRBY', KEYS[1], 'n', -1)
else
  redis.call('DEL', KEYS[1])
end
return 0
`)

var _ dispatcher.Backoff = (*Client)(nil)

// Attempt implements dispatcher.Backoff on the hash <prefix>:bo:<key>, shared by every Client of
// the same prefix. Like Allow it fails open: when Redis cannot be reached within OpTimeout it
// allows the attempt and returns the error, for the caller to log.
func (c *Client) Attempt(ctx context.Context, key string, p dispatcher.BackoffPolicy) (time.Duration, error) {
	cmd := attemptScript.evalSha(ctx, []string{c.key("bo", key)},
		p.Free, millis(p.Base), millis(p.Max), millis(p.Forget))
	err := c.do(ctx, cmd, attemptScript)
	var ms int64
	if err == nil {
		ms, err = cmd.Int64()
	}
	if err != nil {
		return 0, failure("counting a failure", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Forgive implements dispatcher.Backoff.
func (c *Client) Forgive(ctx context.Context, key string) error {
	cmd := forgiveScript.evalSha(ctx, []string{c.key("bo", key)})
	if err := c.do(ctx, cmd, forgiveScript); err != nil {
		return failure("forgiving a failure", err)
	}
	return nil
}

// Reset implements dispatcher.Backoff (DEL <prefix>:bo:<key>).
func (c *Client) Reset(ctx context.Context, key string) error {
	if err := c.do(ctx, goredis.NewIntCmd(ctx, "del", c.key("bo", key)), nil); err != nil {
		return failure("resetting failures", err)
	}
	return nil
}
