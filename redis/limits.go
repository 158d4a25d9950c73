package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// allowScript counts one request in a fixed window, atomically: the first increment of a window
// starts its expiry. It returns {count, milliseconds left in the window}. A counter found without
// an expiry (not written by this script) gets one, so that it cannot block its key forever.
var allowScript = newScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

// Allow implements dispatcher.Limiter with a fixed window shared by every Client of the same
// prefix (key <prefix>:rl:<key>): the first request starts a window of length window, and the
// requests after the limit-th one in it are refused, with retry = the time left in the window.
// Windows are counted in whole milliseconds (at least 1).
//
// Allow fails open: when Redis cannot be reached within OpTimeout (or answers with an error) it
// allows the request and returns the error, for the caller to log.
func (c *Client) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	cmd := allowScript.evalSha(ctx, []string{c.key("rl", key)}, millis(window))
	var res []int64
	err := c.do(ctx, cmd, allowScript)
	if err == nil {
		res, err = cmd.Int64Slice()
	}
	if err == nil && len(res) != 2 {
		err = errors.New("the rate-limit script returned an unexpected reply")
	}
	if err != nil {
		return true, 0, failure("counting a request", err)
	}
	if res[0] <= int64(limit) {
		return true, 0, nil
	}
	return false, time.Duration(max(res[1], 1)) * time.Millisecond, nil
}

// Recall implements dispatcher.Deduper (GET <prefix>:dd:<key>). It returns an EUnavailable error
// when Redis cannot be reached within OpTimeout.
func (c *Client) Recall(ctx context.Context, key string) (string, bool, error) {
	cmd := goredis.NewStringCmd(ctx, "get", c.key("dd", key))
	switch err := c.do(ctx, cmd, nil); {
	case errors.Is(err, goredis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, failure("recalling a request", err)
	}
	return cmd.Val(), true, nil
}

// Remember implements dispatcher.Deduper (SET <prefix>:dd:<key> value PX ttl, ttl rounded up to
// whole milliseconds). A ttl <= 0 forgets the key, as it would be expired at once. It returns an
// EUnavailable error when Redis cannot be reached within OpTimeout.
func (c *Client) Remember(ctx context.Context, key, value string, ttl time.Duration) error {
	k := c.key("dd", key)
	var cmd goredis.Cmder
	if ttl <= 0 {
		cmd = goredis.NewIntCmd(ctx, "del", k)
	} else {
		cmd = goredis.NewStatusCmd(ctx, "set", k, value, "px", millis(ttl))
	}
	if err := c.do(ctx, cmd, nil); err != nil {
		return failure("remembering a request", err)
	}
	return nil
}

// millis is d in whole milliseconds, rounded up, at least 1.
func millis(d time.Duration) int64 {
	ms := d.Milliseconds()
	if d > time.Duration(ms)*time.Millisecond {
		ms++
	}
	return max(ms, 1)
}
