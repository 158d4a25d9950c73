package redis_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"cityhub/dispatcher"
	"cityhub/redis"
)

// Many concurrent callers on one key, pipelined together, are each counted once: exactly limit
// of them are allowed, on two Clients sharing the key.
func TestConcurrentAllowCountsExactly(t *testing.T) {
	prefix := sharedPrefix(t)
	opts := redis.Options{Prefix: prefix, OpTimeout: 5 * time.Second} // counting, not timing
	a, b := open(t, sharedURL(), opts), open(t, sharedURL(), opts)
	ctx := context.Background()
	const callers, perCaller, limit = 64, 5, 100

	var allowed, refused atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		c := []*redis.Client{a, b}[i%2]
		wg.Go(func() {
			<-start
			for range perCaller {
				ok, retry, err := c.Allow(ctx, "burst", limit, time.Minute)
				switch {
				case err != nil:
					t.Error(err)
					return
				case ok:
					allowed.Add(1)
				case retry <= 0 || retry > time.Minute:
					t.Errorf("refused with retry %s", retry)
				default:
					refused.Add(1)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if allowed.Load() != limit || refused.Load() != callers*perCaller-limit {
		t.Fatalf("%d allowed, %d refused; want %d and %d", allowed.Load(), refused.Load(), limit, callers*perCaller-limit)
	}
	raw := rawClient(t, sharedURL())
	defer raw.Close()
	if n, err := raw.Get(ctx, prefix+":rl:burst").Int64(); err != nil || n != callers*perCaller {
		t.Fatalf("counter = %d, %v; want %d", n, err, callers*perCaller)
	}
	p, n := a.PipelineStats()
	t.Logf("client a: %d commands in %d pipelines", n, p)
}

// Concurrent Recall and Remember on distinct keys, pipelined together, each get their own values.
func TestConcurrentDeduperKeepsKeysApart(t *testing.T) {
	c := open(t, sharedURL(), redis.Options{Prefix: sharedPrefix(t), OpTimeout: 5 * time.Second})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 64 {
		key := "req-" + itoa(i)
		wg.Go(func() {
			for round := range 20 {
				value := key + "/" + itoa(round)
				if err := c.Remember(ctx, key, value, time.Minute); err != nil {
					t.Error(err)
					return
				}
				if got, found, err := c.Recall(ctx, key); err != nil || !found || got != value {
					t.Errorf("Recall(%s) = %q, %v, %v; want %q", key, got, found, err, value)
					return
				}
				if got, found, err := c.Recall(ctx, key+"-absent"); err != nil || found {
					t.Errorf("Recall of an absent key = %q, %v, %v", got, found, err)
					return
				}
			}
			if err := c.Remember(ctx, key, "", 0); err != nil {
				t.Error(err)
			}
			if _, found, err := c.Recall(ctx, key); err != nil || found {
				t.Errorf("Recall(%s) after forgetting: found %v, err %v", key, found, err)
			}
		})
	}
	wg.Wait()
}

// Callers that queue while a pipeline is in flight all go together in the next one.
func TestWaitingCallsGoInOnePipeline(t *testing.T) {
	c := open(t, sharedURL(), redis.Options{Prefix: sharedPrefix(t), OpTimeout: 10 * time.Second})
	ctx := context.Background()
	warmUp(t, c)
	for i := range 16 {
		if err := c.Remember(ctx, "known-"+itoa(i), "v"+itoa(i), time.Minute); err != nil {
			t.Fatal(err)
		}
	}

	const limit = 20
	var allowed atomic.Int64
	var calls []func()
	for range 32 {
		calls = append(calls, func() {
			ok, _, err := c.Allow(ctx, "k", limit, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			}
		})
	}
	for i := range 16 {
		calls = append(calls, func() {
			if err := c.Remember(ctx, "new-"+itoa(i), "n"+itoa(i), time.Minute); err != nil {
				t.Error(err)
			}
		}, func() {
			if v, found, err := c.Recall(ctx, "known-"+itoa(i)); err != nil || !found || v != "v"+itoa(i) {
				t.Errorf("Recall(known-%d) = %q, %v, %v", i, v, found, err)
			}
		})
	}
	p0, n0 := c.PipelineStats()
	if n := heldPipeline(t, c, calls, nil, nil); n != 64 {
		t.Fatalf("the pipeline after the held one carries %d commands, want the 64 that waited", n)
	}
	if p, n := c.PipelineStats(); p-p0 != 2 || n-n0 != 1+64 {
		t.Fatalf("%d commands in %d pipelines; want the held one, then the 64 waiting together", n-n0, p-p0)
	}
	if allowed.Load() != limit {
		t.Fatalf("%d of 32 allowed, want %d", allowed.Load(), limit)
	}
	for i := range 16 {
		if v, found, err := c.Recall(ctx, "new-"+itoa(i)); err != nil || !found || v != "n"+itoa(i) {
			t.Fatalf("Recall(new-%d) = %q, %v, %v", i, v, found, err)
		}
	}
}

// A pipeline carries at most MaxPipeline commands: the others wait for the next one.
func TestPipelineSizeIsBounded(t *testing.T) {
	c := open(t, sharedURL(), redis.Options{Prefix: sharedPrefix(t), OpTimeout: 10 * time.Second})
	warmUp(t, c)
	const callers = redis.MaxPipeline + 50
	var calls []func()
	for i := range callers {
		calls = append(calls, func() {
			if _, found, err := c.Recall(context.Background(), "absent-"+itoa(i)); err != nil || found {
				t.Errorf("Recall = %v, %v", found, err)
			}
		})
	}
	p0, n0 := c.PipelineStats()
	if n := heldPipeline(t, c, calls, nil, nil); n != redis.MaxPipeline {
		t.Fatalf("the pipeline after the held one carries %d commands, want %d", n, redis.MaxPipeline)
	}
	if p, n := c.PipelineStats(); p-p0 != 3 || n-n0 != 1+callers {
		t.Fatalf("%d commands in %d pipelines; want the held one, then %d, then 50", n-n0, p-p0, redis.MaxPipeline)
	}
}

// A caller that gives up (cancelled context) returns at once and does not break the other
// commands of its pipeline. If it gives up before its pipeline is sent, its command does not run.
func TestCancelledCallersLeaveOthersAlone(t *testing.T) {
	prefix := sharedPrefix(t)
	c := open(t, sharedURL(), redis.Options{Prefix: prefix, OpTimeout: 10 * time.Second})
	warmUp(t, c)

	// 16 callers give up while their pipeline is in flight (they come first: a pipeline must not
	// depend on its first caller's context), 24 while it is still queued, 24 wait.
	inFlight, inFlightCancel := context.WithCancel(context.Background())
	queued, queuedCancel := context.WithCancel(context.Background())
	var gaveUpInFlight, gaveUpQueued, kept sync.WaitGroup
	var calls []func()
	for i := range 64 {
		ctx, wg := context.Background(), &kept
		switch {
		case i < 16:
			ctx, wg = inFlight, &gaveUpInFlight
		case i%2 == 0:
			ctx, wg = queued, &gaveUpQueued
		}
		wg.Add(1)
		calls = append(calls, func() {
			defer wg.Done()
			ok, _, err := c.Allow(ctx, "k", 1000, time.Minute)
			if ctx.Err() != nil {
				if !ok || dispatcher.ErrorCode(err) != dispatcher.EUnavailable {
					t.Errorf("cancelled Allow = %v, %v; want allowed with an %s error", ok, err, dispatcher.EUnavailable)
				}
			} else if !ok || err != nil {
				t.Errorf("Allow = %v, %v", ok, err)
			}
		})
	}
	gaveUp := func(cancel context.CancelFunc, wg *sync.WaitGroup) func() {
		return func() {
			cancel()
			if !waitGroupWithin(wg, time.Second) {
				t.Fatal("cancelled callers still wait for their pipeline")
			}
		}
	}
	p0, n0 := c.PipelineStats()
	sent := heldPipeline(t, c, calls, gaveUp(queuedCancel, &gaveUpQueued), gaveUp(inFlightCancel, &gaveUpInFlight))
	kept.Wait()
	if p, n := c.PipelineStats(); sent != 40 || p-p0 != 2 || n-n0 != 1+40 {
		t.Fatalf("%d commands in %d pipelines; want the held one, then the 40 still waiting when it was sent", n-n0, p-p0)
	}
	raw := rawClient(t, sharedURL())
	defer raw.Close()
	if got, err := raw.Get(context.Background(), prefix+":rl:k").Int64(); err != nil || got != 40 {
		t.Fatalf("counter = %d, %v; want 40 (the callers that gave up before sending not counted)", got, err)
	}
}

// An error reply (WRONGTYPE) fails only the command it answers, not the others of its pipeline,
// even when it answers the first command.
func TestErrorRepliesStayWithTheirCaller(t *testing.T) {
	prefix := sharedPrefix(t)
	c := open(t, sharedURL(), redis.Options{Prefix: prefix, OpTimeout: 10 * time.Second})
	ctx := context.Background()
	warmUp(t, c)
	raw := rawClient(t, sharedURL())
	defer raw.Close()
	for _, k := range []string{prefix + ":dd:bad", prefix + ":rl:bad"} {
		if err := raw.LPush(ctx, k, "a list").Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Remember(ctx, "good", "v", time.Minute); err != nil {
		t.Fatal(err)
	}

	badRecall := func() {
		_, _, err := c.Recall(ctx, "bad")
		if dispatcher.ErrorCode(err) != dispatcher.EInternal {
			t.Errorf("Recall of a list: %v; want an %s error", err, dispatcher.EInternal)
		}
	}
	badAllow := func() {
		if ok, _, err := c.Allow(ctx, "bad", 1, time.Minute); !ok || dispatcher.ErrorCode(err) != dispatcher.EInternal {
			t.Errorf("Allow on a list = %v, %v; want allowed with an %s error", ok, err, dispatcher.EInternal)
		}
	}
	calls := []func(){badRecall, badAllow}
	for i := range 10 {
		calls = append(calls, func() {
			if v, found, err := c.Recall(ctx, "good"); err != nil || !found || v != "v" {
				t.Errorf("Recall(good) = %q, %v, %v", v, found, err)
			}
		}, func() {
			if ok, _, err := c.Allow(ctx, "good-"+itoa(i), 1, time.Minute); !ok || err != nil {
				t.Errorf("Allow(good-%d) = %v, %v", i, ok, err)
			}
		})
	}
	calls = append(calls, badRecall, badAllow)
	if n := heldPipeline(t, c, calls, nil, nil); n != len(calls) {
		t.Fatalf("%d commands in the pipeline, want %d", n, len(calls))
	}
}

// Redis forgets its scripts (restart, SCRIPT FLUSH): the rate-limit calls that meet NOSCRIPT,
// a whole pipeline of them or a lone one, run again once the script is loaded, and count once.
func TestAllowCountsAcrossScriptFlush(t *testing.T) {
	srv := startPrivateRedis(t)
	prefix := newPrefix()
	c := open(t, srv.url(), redis.Options{Prefix: prefix, OpTimeout: 10 * time.Second})
	ctx := context.Background()
	raw := rawClient(t, srv.url())
	defer raw.Close()
	const limit = 15

	var allowed, refused atomic.Int64
	allow := func() {
		ok, _, err := c.Allow(ctx, "k", limit, time.Minute)
		switch {
		case err != nil:
			t.Error(err)
		case ok:
			allowed.Add(1)
		default:
			refused.Add(1)
		}
	}
	flush := func() {
		t.Helper()
		if err := raw.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if exists, err := raw.ScriptExists(ctx, redis.AllowScriptSHA).Result(); err != nil || exists[0] {
			t.Fatalf("SCRIPT EXISTS after SCRIPT FLUSH = %v, %v", exists, err)
		}
	}

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(allow)
	}
	wg.Wait()

	// A pipeline of 10 Allow (and 3 Recall) meets an empty script cache: the 10 run again, in one
	// more pipeline.
	flush()
	calls := []func(){}
	for i := range 13 {
		if i%4 == 3 {
			calls = append(calls, func() {
				if _, found, err := c.Recall(ctx, "absent"); err != nil || found {
					t.Errorf("Recall = %v, %v", found, err)
				}
			})
			continue
		}
		calls = append(calls, allow)
	}
	p0, n0 := c.PipelineStats()
	heldPipeline(t, c, calls, nil, nil)
	if p, n := c.PipelineStats(); p-p0 != 3 || n-n0 != 1+13+(1+10) {
		t.Fatalf("%d commands in %d pipelines; want the held one, the 13, then SCRIPT LOAD and the 10 Allow again",
			n-n0, p-p0)
	}
	if exists, err := raw.ScriptExists(ctx, redis.AllowScriptSHA).Result(); err != nil || !exists[0] {
		t.Fatalf("SCRIPT EXISTS after the NOSCRIPT replies = %v, %v; want it loaded again", exists, err)
	}

	// A lone call too.
	flush()
	allow()

	if allowed.Load() != limit || refused.Load() != 21-limit {
		t.Fatalf("%d allowed, %d refused; want %d and %d", allowed.Load(), refused.Load(), limit, 21-limit)
	}
	if n, err := raw.Get(ctx, prefix+":rl:k").Int64(); err != nil || n != 21 {
		t.Fatalf("counter = %d, %v; want 21, each request counted once", n, err)
	}
}

// While a pipeline hangs (a frozen server), every call still returns within about OpTimeout,
// with an EUnavailable error (Allow failing open), and the calls work again once it answers.
func TestCallsBoundedWhilePipelineHangs(t *testing.T) {
	srv := startPrivateRedis(t)
	const opTimeout = 200 * time.Millisecond
	c := open(t, srv.url(), redis.Options{Prefix: newPrefix(), OpTimeout: opTimeout})
	ctx := context.Background()
	warmUp(t, c)

	srv.freeze()
	defer srv.thaw()
	// Two waves: the second queues behind the pipeline of the first, which still hangs.
	for wave := range 2 {
		var wg sync.WaitGroup
		for i := range 48 {
			wg.Go(func() {
				start := time.Now()
				var err error
				switch i % 3 {
				case 0:
					var ok bool
					if ok, _, err = c.Allow(ctx, "k", 1, time.Minute); !ok {
						t.Error("Allow refused while Redis hangs; want it to fail open")
					}
				case 1:
					_, _, err = c.Recall(ctx, "k")
				case 2:
					err = c.Remember(ctx, "k", "v", time.Minute)
				}
				took := time.Since(start)
				if dispatcher.ErrorCode(err) != dispatcher.EUnavailable {
					t.Errorf("wave %d, call %d: %v; want an %s error", wave, i, err, dispatcher.EUnavailable)
				}
				// The bound only tells "returned after its timeout" from "waited for the thaw"
				// (never, without it): wide, so that a loaded machine does not fail it.
				if took > opTimeout+2*time.Second {
					t.Errorf("wave %d, call %d took %s, want about the %s OpTimeout", wave, i, took, opTimeout)
				}
			})
			time.Sleep(time.Millisecond)
		}
		wg.Wait()
	}

	srv.thaw()
	waitFor(t, "the calls to work again", 10*time.Second, func() bool {
		err := c.Remember(ctx, "k", "v", time.Minute)
		v, _, err2 := c.Recall(ctx, "k")
		return err == nil && err2 == nil && v == "v"
	})
}

// Close ends at once the calls waiting for a pipeline that hangs (Close itself may wait for that
// pipeline, up to OpTimeout), and later calls fail at once.
func TestCloseEndsWaitingCalls(t *testing.T) {
	srv := startPrivateRedis(t)
	const opTimeout = 3 * time.Second
	c := open(t, srv.url(), redis.Options{Prefix: newPrefix(), OpTimeout: opTimeout})
	ctx := context.Background()
	warmUp(t, c)

	_, n0 := c.PipelineStats()
	srv.freeze()
	defer srv.thaw()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			_, _, err := c.Recall(ctx, "k"+itoa(i))
			wantCode(t, "Recall during Close", err, dispatcher.EUnavailable)
		})
	}
	waitFor(t, "the calls to be sent or queued", 5*time.Second, func() bool {
		_, n := c.PipelineStats()
		return int(n-n0)+c.Queued() == 16
	})
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	// Well under the 3 s OpTimeout: the calls were released by Close, not by their timeout.
	if !waitGroupWithin(&wg, 1500*time.Millisecond) {
		t.Fatal("calls still wait 1.5 s after Close")
	}
	start := time.Now()
	ok, _, err := c.Allow(ctx, "k", 1, time.Minute)
	if !ok || dispatcher.ErrorCode(err) != dispatcher.EUnavailable || time.Since(start) > time.Second {
		t.Fatalf("Allow after Close = %v, %v after %s; want allowed at once with an %s error",
			ok, err, time.Since(start), dispatcher.EUnavailable)
	}
	wantCode(t, "Remember after Close", c.Remember(ctx, "k", "v", time.Minute), dispatcher.EUnavailable)
	select {
	case <-closed:
	case <-time.After(opTimeout + time.Second):
		t.Fatalf("Close did not return within %s", opTimeout+time.Second)
	}
}

// warmUp sends a first Allow and Recall, so that the connection is made and the script loaded.
func warmUp(tb testing.TB, c *redis.Client) {
	tb.Helper()
	ctx := context.Background()
	if _, _, err := c.Allow(ctx, "warm-up", 1, time.Minute); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := c.Recall(ctx, "warm-up"); err != nil {
		tb.Fatal(err)
	}
}

// heldPipeline makes calls go together in one pipeline of c and returns the number of commands
// in it. It holds a first pipeline (a Recall) in flight, starts the calls in order, one goroutine
// each, and waits until they have all queued behind it; it runs whileQueued, lets the first
// pipeline go, runs whileSent while it holds the next one, then lets it go and waits for the calls.
// whileQueued and whileSent may be nil.
func heldPipeline(t *testing.T, c *redis.Client, calls []func(), whileQueued, whileSent func()) int {
	t.Helper()
	g := &gate{sent: make(chan int), release: make(chan struct{}, 2)}
	g.holds.Store(2)
	c.AddHook(g)
	held := make(chan error, 1)
	go func() {
		_, _, err := c.Recall(context.Background(), "held")
		held <- err
	}()
	g.wait(t)
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(call)
		waitFor(t, "call "+itoa(i)+" to queue", 5*time.Second, func() bool { return c.Queued() == i+1 })
	}
	if whileQueued != nil {
		whileQueued()
	}
	g.release <- struct{}{}
	n := g.wait(t)
	if whileSent != nil {
		whileSent()
	}
	g.release <- struct{}{}
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatalf("the held Recall: %v", err)
	}
	return n
}

// gate is a go-redis hook that holds the first pipelines (holds of them) of a Client, once sent,
// until the test releases them. It lets go-redis's own pipelines through (CLIENT SETINFO on a
// new connection, which runs the Client's hooks too).
type gate struct {
	holds   atomic.Int32
	sent    chan int      // the number of commands of each pipeline held
	release chan struct{} // buffered: a pipeline whose context ends does not wait for it
}

func (g *gate) DialHook(next goredis.DialHook) goredis.DialHook          { return next }
func (g *gate) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }

func (g *gate) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if ours(cmds) && g.holds.Add(-1) >= 0 {
			g.sent <- len(cmds)
			select {
			case <-g.release:
			case <-ctx.Done():
			}
		}
		return next(ctx, cmds)
	}
}

// ours reports whether cmds is a pipeline of package redis (and not of go-redis itself).
func ours(cmds []goredis.Cmder) bool {
	switch cmds[0].Name() {
	case "get", "set", "del", "evalsha", "script":
		return true
	}
	return false
}

// wait waits for the next pipeline to be held and returns its number of commands.
func (g *gate) wait(t *testing.T) int {
	t.Helper()
	select {
	case n := <-g.sent:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no pipeline sent within 5 s")
		return 0
	}
}

// waitGroupWithin waits for wg, at most d.
func waitGroupWithin(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
