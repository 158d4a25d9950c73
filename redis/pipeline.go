package redis

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Allow, Recall and Remember are sent in pipelines. Every Open311 report calls them, and a round
// trip per command cost the hub, and redis-server, more CPU in syscalls than the commands
// themselves. So, as with the wake-ups (publish.go), one goroutine sends, one pipeline at a time:
// the commands queued while a pipeline is in flight go together in the next one (at most
// maxPipeline of them). A lone command is sent at once, with no timer, so that nothing waits at
// low load. (Two pipelines in flight were measured slower on the 2-CPU VM of the load test: they
// carry fewer commands each, for more syscalls.)
//
// Each caller still gets its own command's answer. Redis replies to every command of a pipeline
// separately, so an error reply (WRONGTYPE on one key) fails only its caller; a connection that
// fails fails the whole pipeline, as it would fail each command. A caller waits no longer than
// its own context (bounded by OpTimeout), whatever its pipeline does. A pipeline runs under the
// latest deadline of its callers, and never under one caller's context, so that a cancelled
// caller cannot break the others' commands. A caller that has given up before its pipeline is
// sent is left out of it: it has been told that its command failed, so the command must not run.

// maxPipeline bounds the commands of one pipeline, and so the time its callers wait for it.
const maxPipeline = 128

// call is one command waiting to be sent and the caller waiting for its reply.
type call struct {
	ctx    context.Context // the caller's, with a deadline
	cmd    goredis.Cmder
	script *script       // the script cmd runs (EVALSHA), if any, to load again on NOSCRIPT
	done   chan struct{} // closed once cmd holds its reply or error
}

// queue holds the calls waiting for the next pipeline.
type queue struct {
	mu    sync.Mutex
	calls []*call
	ring  chan struct{} // tells the sender that calls is not empty
}

// do sends cmd in the next pipeline (s is the script it runs by EVALSHA, or nil) and waits, at
// most OpTimeout, for its reply. It returns cmd's own error (goredis.Nil included), ctx's
// error when the caller gives up first, or goredis.ErrClosed after Close. Read cmd's value only
// when do returns nil: after any other error the sender may still be writing it.
func (c *Client) do(ctx context.Context, cmd goredis.Cmder, s *script) error {
	if c.ctx.Err() != nil {
		return goredis.ErrClosed
	}
	ctx, cancel := c.opContext(ctx)
	defer cancel()
	cl := &call{ctx: ctx, cmd: cmd, script: s, done: make(chan struct{})}
	c.queue.add(cl)
	select {
	case <-cl.done:
		return cmd.Err()
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return goredis.ErrClosed
	}
}

// add queues cl. It rings only when the queue was empty: otherwise a ring is pending already, or
// the sender has taken it and is about to take the queue.
func (q *queue) add(cl *call) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls = append(q.calls, cl)
	if len(q.calls) == 1 {
		q.signal()
	}
}

// take hands the oldest calls, at most n, to the sender, and rings again if some are left.
func (q *queue) take(n int) []*call {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.calls
	if len(batch) <= n {
		q.calls = nil
		return batch
	}
	q.calls = batch[n:]
	q.signal()
	return batch[:n:n]
}

func (q *queue) signal() {
	select {
	case q.ring <- struct{}{}:
	default:
	}
}

// sender sends the queued calls in pipelines, one at a time, until Close.
func (c *Client) sender() {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.queue.ring:
		}
		if batch := c.queue.take(maxPipeline); len(batch) > 0 {
			c.send(batch)
		}
	}
}

// send runs the calls of batch whose callers still wait in one pipeline (and a second one if
// Redis has lost the script of some), then wakes every caller of batch.
func (c *Client) send(batch []*call) {
	if live := waiting(batch); len(live) > 0 {
		ctx, cancel := c.pipelineContext(live)
		cmds := make([]goredis.Cmder, len(live))
		for i, cl := range live {
			cmds[i] = cl.cmd
		}
		c.exec(ctx, cmds)
		c.rerunScripts(ctx, live)
		cancel()
	}
	for _, cl := range batch {
		close(cl.done)
	}
}

// waiting returns the calls of batch whose caller still waits. The others get their context's
// error, should their caller look (it may see done and its context end at the same time).
func waiting(batch []*call) []*call {
	live := make([]*call, 0, len(batch))
	for _, cl := range batch {
		if err := cl.ctx.Err(); err != nil {
			cl.cmd.SetErr(err)
			continue
		}
		live = append(live, cl)
	}
	return live
}

// pipelineContext bounds a pipeline by the latest deadline of its callers (past it nobody waits
// for the replies), and ends it on Close.
func (c *Client) pipelineContext(calls []*call) (context.Context, context.CancelFunc) {
	var last time.Time
	for _, cl := range calls {
		if d, _ := cl.ctx.Deadline(); d.After(last) { // do gives every call a deadline
			last = d
		}
	}
	return context.WithDeadline(c.ctx, last)
}

// exec sends cmds in one pipeline. Every command keeps its own reply or error, which is all its
// caller looks at, so the error of Exec (the first of those) tells nothing more.
func (c *Client) exec(ctx context.Context, cmds []goredis.Cmder) {
	c.pipelines.Add(1)
	c.pipelined.Add(int64(len(cmds)))
	pipe := c.rdb.Pipeline()
	_ = pipe.BatchProcess(ctx, cmds...)
	_, _ = pipe.Exec(ctx)
}

// rerunScripts sends again the script calls that Redis answered with NOSCRIPT (it forgets its
// scripts when it restarts or is told SCRIPT FLUSH), after SCRIPT LOAD in the same pipeline: Redis
// runs a pipeline's commands in order, so they find the script, and so do later pipelines.
// NOSCRIPT means the script did not run: the second run counts once. The same command objects
// are sent again, so their callers find the new replies where they wait for them.
func (c *Client) rerunScripts(ctx context.Context, calls []*call) {
	var loads, again []goredis.Cmder
	var loaded []*script
	for _, cl := range calls {
		if cl.script == nil || !goredis.HasErrorPrefix(cl.cmd.Err(), "NOSCRIPT") {
			continue
		}
		if !slices.Contains(loaded, cl.script) {
			loaded = append(loaded, cl.script)
			loads = append(loads, goredis.NewStringCmd(ctx, "script", "load", cl.script.src))
		}
		again = append(again, cl.cmd)
	}
	if len(again) > 0 {
		c.exec(ctx, append(loads, again...))
	}
}

// script is a Lua script that pipelines carry as EVALSHA: its 40-byte digest rather than its
// source.
type script struct {
	src string
	sha string
}

func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	return &script{src: src, sha: hex.EncodeToString(sum[:])}
}

// evalSha is a run of the script on keys with args, as a command for do.
func (s *script) evalSha(ctx context.Context, keys []string, args ...any) *goredis.Cmd {
	a := make([]any, 0, 3+len(keys)+len(args))
	a = append(a, "evalsha", s.sha, len(keys))
	for _, k := range keys {
		a = append(a, k)
	}
	return goredis.NewCmd(ctx, append(a, args...)...)
}
