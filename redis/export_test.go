package redis

import goredis "github.com/redis/go-redis/v9"

// Hooks for the tests of package redis_test.

// PipelineStats returns the number of pipelines sent (or being sent) since Open and the number of
// commands in them.
func (c *Client) PipelineStats() (pipelines, commands int64) {
	return c.pipelines.Load(), c.pipelined.Load()
}

// Queued is the number of calls waiting for the next pipeline.
func (c *Client) Queued() int {
	c.queue.mu.Lock()
	defer c.queue.mu.Unlock()
	return len(c.queue.calls)
}

// AllowScriptSHA is the SHA-1 digest of the rate-limit script, for SCRIPT EXISTS.
var AllowScriptSHA = allowScript.sha

// AddHook adds a go-redis hook to the Client's connections (see heldPipeline).
func (c *Client) AddHook(h goredis.Hook) { c.rdb.AddHook(h) }

// MaxPipeline bounds the commands of one pipeline.
const MaxPipeline = maxPipeline
