// Package redis connects hub instances through Redis: the wake-up bus between them
// (dispatcher.Bus), the shared request limits (dispatcher.Limiter, dispatcher.Backoff,
// dispatcher.Deduper) and, when configured, the shared KV (dispatcher.KV, Client.KV).
//
// PostgreSQL stays the system of record. Redis only rings the doorbell ("events up to id n
// exist") and keeps short-lived counters, so every method is built to degrade, never to stall a
// request, when Redis is down:
//
//   - Publish gives up after Options.OpTimeout (200 ms) and returns an EUnavailable error, which
//     the caller only logs. Local subscribers of the publishing Client are woken directly, without
//     the Redis round trip, so consoles on the instance that wrote are never delayed.
//   - Subscribers get a synthetic wake-up (SyntheticWakeUp) every Options.DownPollInterval
//     (250 ms) while the subscription is broken, so that they read the store on a short poll; and
//     one more right after the subscription is back, since events may have been written meanwhile.
//   - Limiter.Allow and Backoff.Attempt fail open: they allow the request and return an error the
//     caller can log. A Redis outage must not lock everybody out of signing in; the limits are a
//     brake, not a lock.
//   - Deduper.Recall and Remember return an EUnavailable error.
//
// Allow, Recall and Remember share their round trips: the commands of concurrent callers are
// sent together, one pipeline at a time, each caller getting its own command's reply (see
// pipeline.go). Wake-ups are published in rounds likewise (publish.go).
//
// Every key and channel begins with the prefix given to Open ("cityhub" by default), so that
// several hubs, or tests, can share one Redis:
//
//	<prefix>:events       the wake-up channel (PUBLISH / SUBSCRIBE), payload the decimal event id
//	<prefix>:rl:<key>     a rate-limit counter (fixed window)
//	<prefix>:bo:<key>     the failures of a back-off key (a hash: n, last)
//	<prefix>:dd:<key>     a remembered answer of the deduper
//	<prefix>:kv:<key>     an entry of the KV (a hash: v, r), see kv.go
//	<prefix>:kv-rev       the last revision the KV handed out
//
// # The subscription
//
// Each Client runs one goroutine that owns a go-redis PubSub subscribed to <prefix>:events and
// drives it with ReceiveTimeout itself (PubSub.Channel hides reconnects, so it cannot tell when
// the subscription is broken or back). The Client's state, Connected, follows these rules:
//
//   - It becomes true when Redis confirms the SUBSCRIBE (or delivers a message on the channel),
//     and on that transition every local subscriber is woken with SyntheticWakeUp. (A
//     confirmation that arrives while the state is already true, which would mean go-redis
//     replaced the connection without reporting an error, wakes them too.)
//   - It becomes false on any receive error (connection closed or refused, ...). go-redis then
//     redials and subscribes again by itself on the next receive; the goroutine waits between
//     attempts (50 ms doubling up to 1 s) so that a refused connection is not retried in a spin.
//   - When nothing arrives for Options.HealthInterval (1 s), the goroutine sends PING on the
//     PubSub connection. If the PING cannot be written, the state becomes false. If no reply
//     (of any kind) arrives within another HealthInterval, the connection is taken as dead (a
//     half-open TCP connection, a frozen server): the state becomes false and the goroutine closes
//     the PubSub and subscribes afresh.
//   - A PONG that arrives while the state is false means the connection works but no SUBSCRIBE
//     was confirmed on it since the loss; the goroutine subscribes afresh rather than trust it.
//
// A second goroutine ticks every DownPollInterval and, while the state is false, wakes every
// local subscriber with SyntheticWakeUp. It does not depend on the receive loop, which may be
// blocked in a dial for up to the dial timeout.
//
// So a subscriber never waits for an event longer than DownPollInterval while Redis is down, or
// than the publish-to-receive latency while it is up; the web/stream hub's own 2 s poll remains
// the last resort.
package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"cityhub/dispatcher"
)

// DefaultPrefix namespaces the keys and the channel when Open is given no prefix.
const DefaultPrefix = "cityhub"

// Options tune a Client. Zero values take the defaults.
type Options struct {
	// Prefix begins every key and channel name (default DefaultPrefix).
	Prefix string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// DownPollInterval is how often subscribers get a synthetic wake-up while the subscription is
	// broken (default 250 ms).
	DownPollInterval time.Duration
	// OpTimeout bounds Publish, Allow, Recall and Remember (default 200 ms), so that a Redis that
	// is down or slow never holds up the request that calls them.
	OpTimeout time.Duration
	// HealthInterval is how long the subscription may stay silent before it is pinged, and how
	// long it then has to answer (default 1 s).
	HealthInterval time.Duration
}

func (o *Options) defaults() {
	o.Prefix = strings.TrimSpace(o.Prefix)
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DownPollInterval <= 0 {
		o.DownPollInterval = 250 * time.Millisecond
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 200 * time.Millisecond
	}
	if o.HealthInterval <= 0 {
		o.HealthInterval = time.Second
	}
}

// pingTimeout bounds Ping when the caller's context allows longer (a health check should answer).
const pingTimeout = time.Second

// Client is one hub instance's connection to Redis. It is safe for concurrent use.
type Client struct {
	rdb     *goredis.Client
	opts    Options
	log     *slog.Logger
	channel string // <prefix>:events

	ctx    context.Context // cancelled by Close; ends the goroutines
	cancel context.CancelFunc
	wg     sync.WaitGroup

	connected       atomic.Bool
	publishFailures atomic.Int64
	publishLogged   atomic.Int64 // unix seconds of the last log line about a failed PUBLISH
	losses          atomic.Int64

	subsMu sync.Mutex
	subs   map[chan int64]struct{}

	out outbox // the wake-ups waiting for the publisher (publish.go)

	queue     queue        // the commands waiting for the next pipeline (pipeline.go)
	pipelines atomic.Int64 // pipelines sent (or being sent) since Open
	pipelined atomic.Int64 // commands sent in them

	psMu   sync.Mutex
	ps     *goredis.PubSub // the current subscription, closed by Close
	closed bool

	closeOnce sync.Once
	closeErr  error
}

var (
	_ dispatcher.Bus     = (*Client)(nil)
	_ dispatcher.Limiter = (*Client)(nil)
	_ dispatcher.Deduper = (*Client)(nil)
)

// Open connects to the Redis at url (redis://[user:password@]host:port/db, rediss:// or unix://,
// see go-redis ParseURL; query parameters such as dial_timeout are honoured) and starts the
// subscription. prefix namespaces every key and channel ("" means DefaultPrefix); log may be nil.
//
// Open fails only for a URL it cannot use. A Redis that cannot be reached is logged, not
// returned: the hub must be able to start while Redis is down (it then polls), and the Client
// connects by itself once Redis is back. Use Ping to check the connection.
func Open(ctx context.Context, url, prefix string, log *slog.Logger) (*Client, error) {
	return OpenWith(ctx, url, Options{Prefix: prefix, Logger: log})
}

// OpenWith is Open with every option.
func OpenWith(ctx context.Context, url string, opts Options) (*Client, error) {
	opts.defaults()
	ro, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parsing the url: %w", err)
	}
	// Fail fast: a dial that is refused or hangs must not outlive the short operation timeouts,
	// and a refused dial is not worth retrying within one call (the command is retried instead).
	if ro.DialTimeout == 0 {
		ro.DialTimeout = time.Second
	}
	if ro.DialerRetries == 0 {
		ro.DialerRetries = 1
	}
	// Honour the deadlines of the contexts we pass (OpTimeout) on the socket too.
	ro.ContextTimeoutEnabled = true
	// Plain Redis 7 knows nothing of Redis Enterprise's maintenance notifications.
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	routeDriverLogs(opts.Logger)

	c := &Client{
		rdb:     goredis.NewClient(ro),
		opts:    opts,
		log:     opts.Logger,
		channel: opts.Prefix + ":events",
		subs:    map[chan int64]struct{}{},
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.out.ring = make(chan struct{}, 1)
	c.queue.ring = make(chan struct{}, 1)

	if err := c.Ping(ctx); err != nil {
		c.log.Warn("redis: not reachable; wake-ups fall back to polling and limits fail open until it is",
			"addr", ro.Addr, "err", err)
	}
	c.wg.Add(4)
	go c.listen()
	go c.pollWhileDown()
	go c.publisher()
	go c.sender()
	return c, nil
}

// Prefix is the prefix of every key and channel of the Client.
func (c *Client) Prefix() string { return c.opts.Prefix }

// Connected reports whether the wake-up subscription is established right now.
func (c *Client) Connected() bool { return c.connected.Load() }

// PublishFailures is the number of PUBLISH rounds that failed since Open.
func (c *Client) PublishFailures() int64 { return c.publishFailures.Load() }

// SubscriptionLosses is the number of times the established subscription was lost since Open.
func (c *Client) SubscriptionLosses() int64 { return c.losses.Load() }

// Ping reports whether Redis answers (for /healthz). It waits at most 1 s, or less if ctx says so.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return failure("pinging redis", err)
	}
	return nil
}

// Close ends the subscription (subscribers simply get no more wake-ups) and the connections.
// The Allow, Recall and Remember calls waiting for Redis return at once with an EUnavailable
// error, and so do later ones and every later Publish; Close itself waits for a PUBLISH or a pipeline in
// flight at most OpTimeout, and for the subscription's connection while it is being made at most
// OpTimeout, or HealthInterval + OpTimeout when a receive reconnects. It may be called more than
// once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.psMu.Lock()
		c.closed = true
		ps := c.ps
		c.psMu.Unlock()
		if ps != nil {
			_ = ps.Close() // unblocks a ReceiveTimeout in progress
		}
		c.wg.Wait()
		c.connected.Store(false)
		c.closeErr = c.rdb.Close()
	})
	return c.closeErr
}

// key namespaces a key of one kind ("rl", "dd").
func (c *Client) key(kind, key string) string { return c.opts.Prefix + ":" + kind + ":" + key }

// opContext bounds one operation by OpTimeout.
func (c *Client) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.OpTimeout)
}

// failure turns a go-redis error into a *dispatcher.Error: EUnavailable when Redis cannot be
// reached in time or says it cannot serve now, EInternal for any other error reply (a bug).
func failure(what string, err error) error {
	var reply goredis.Error
	if errors.As(err, &reply) && !transientReply(reply.Error()) {
		return &dispatcher.Error{Code: dispatcher.EInternal, Message: what + ": unexpected redis reply", Err: err}
	}
	return &dispatcher.Error{Code: dispatcher.EUnavailable, Message: what + ": redis is unavailable", Err: err}
}

// transientReply reports whether an error reply means "not now" rather than "wrong request".
func transientReply(msg string) bool {
	for _, p := range []string{"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "READONLY", "OOM"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

var driverLogsOnce sync.Once

// routeDriverLogs sends go-redis's own log lines (one per failed dial, for instance, which would
// flood stderr during an outage) to log at Debug level. go-redis has one logger per process; the
// first Client opened sets it. The Client logs the state changes that matter itself.
func routeDriverLogs(log *slog.Logger) {
	driverLogsOnce.Do(func() { goredis.SetLogger(driverLog{log}) })
}

type driverLog struct{ log *slog.Logger }

func (d driverLog) Printf(ctx context.Context, format string, v ...any) {
	d.log.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}
