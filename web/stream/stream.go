// Package stream is the live, resumable websocket feed of case events that every console uses.
//
// # Protocol
//
// A console opens a websocket (the caller of Hub.Serve authenticates it and parses since, the id
// of the last event it has). The hub then sends, one JSON object per text message:
//
//  1. every event with id > since that the console's actor may see (dispatcher.CanSeeEvent), in
//     id order;
//  2. one control message {"type":"stream.live","id":N}, N being the id of the last event sent
//     (or since if none was): the console is caught up;
//  3. live events as they are written, in id order.
//
// There is no gap and no duplicate between 1 and 3. Event messages look like (see Message):
//
//	{"id":42,"type":"case.dispatched","case_id":7,"at":"2026-11-27T01:02:03.5Z",
//	 "data":{"case":{...CaseSummary...},"action":"dispatch",
//	         "actor":{"login":"li","name":"李","role":"dispatcher","unit":"CMD"},
//	         "from":"registered","to":"dispatched","owner":"QJ-GN-DD","reason":"","detail":null}}
//
// "at" is always UTC (RFC 3339, "Z"). Control messages have a type beginning with "stream." and an
// id equal to the last event id sent, never a new id.
//
// When the hub ends a stream it sends a close frame with one of the Close* codes; the console then
// reconnects with since = the id of the last message it received (after CloseUnauthorized, sent
// when the check of ServeChecked refuses the stream, it signs in again first; after CloseBeyondEnd
// it reloads). Nothing is expected from the console except pongs (and its own pings, which are
// answered).
//
// # Delivery
//
// Hub.Run reads new events from the store whenever the bus rings or the poll interval passes,
// encodes each event once, and offers the same bytes to every stream whose actor may see it. Each
// stream has one writer goroutine (the one running Serve) with a bounded queue and one reader
// goroutine. The hub never waits for a console: a live stream whose queue is full is closed with
// CloseSlowConsumer. While a stream is still sending its backlog (which it reads from the store
// itself), an overflow is not fatal: the stream drops its queue and reads the store again from
// where it is, since every event the hub offered is already in the store. (So a console that stops
// reading while it is still receiving its backlog is not closed with CloseSlowConsumer: it only
// holds up its own writer, and is disconnected when a write takes longer than WriteTimeout.)
package stream

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"cityhub/dispatcher"
)

// Options tune a Hub. Zero values take the defaults.
type Options struct {
	// QueueSize is the number of live messages a stream may have waiting (default 256).
	QueueSize int
	// WriteTimeout bounds every write to a console (default 10 s).
	WriteTimeout time.Duration
	// PingInterval is how often a console is pinged (default 30 s). A console that sends no pong
	// for PingInterval+WriteTimeout is disconnected.
	PingInterval time.Duration
	// PollInterval is how often the hub reads the store without being woken by the bus
	// (default 2 s), so consoles catch up even when a wake-up is lost or the bus is down.
	PollInterval time.Duration
	// PageSize is how many events one store read returns at most (default 500).
	PageSize int
	// MinReadInterval is the least time between two reads of the store by the hub (default
	// 10 ms): wake-ups that come faster are taken together.
	MinReadInterval time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// CheckOrigin decides whether a websocket upgrade request is accepted (default SameOrigin).
	CheckOrigin func(r *http.Request) bool
	// CheckInterval is how often a stream opened with ServeChecked runs its check (default 15 s):
	// a stream whose token is revoked or expires is closed within about this time.
	CheckInterval time.Duration
	// HorizonGrace is how long a stream asked to resume beyond the end of the log waits for the
	// end to move before it is told so (default 1 s): an event whose transaction committed a
	// moment ago may not be readable in id order yet.
	HorizonGrace time.Duration
}

func (o *Options) defaults() {
	if o.QueueSize <= 0 {
		o.QueueSize = 256
	}
	if o.MinReadInterval <= 0 {
		o.MinReadInterval = 10 * time.Millisecond
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CheckOrigin == nil {
		o.CheckOrigin = SameOrigin
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = 15 * time.Second
	}
	if o.HorizonGrace <= 0 {
		o.HorizonGrace = time.Second
	}
}

// SameOrigin accepts requests without an Origin header and requests whose Origin has the host
// (and port) of the request itself.
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// maxInbound is the largest message a console may send; it has nothing to say but control frames.
const maxInbound = 4096

// Hub fans case events out to websocket streams.
type Hub struct {
	store    dispatcher.Store
	bus      dispatcher.Bus
	opts     Options
	log      *slog.Logger
	pongWait time.Duration
	upgrader websocket.Upgrader

	running    atomic.Bool
	ready      chan struct{} // closed once Run has its starting cursor
	closing    chan struct{} // closed by Close
	baseCtx    context.Context
	cancelBase context.CancelFunc

	mu      sync.Mutex
	closed  bool
	clients map[*client]struct{}
	streams sync.WaitGroup // Serve calls past the closed check

	open atomic.Int64
	// known is the cursor as other goroutines may read it: an id the log is known to reach.
	known atomic.Int64

	// Owned by Run.
	cursor   int64
	snap     []*client
	idleRead time.Time // when skipWhileIdle last read the end of the log
}

// idleRefresh is how often an idle hub reads where the log ends. Between two reads its cursor
// falls behind; the hub then reads again what the backlog of a stream that opens meanwhile has
// sent (at most this much of the log), and skips it for that stream (client.sent). Reading the end at every wake-up would
// cost PostgreSQL a query on its lock table a hundred times a second under load.
const idleRefresh = time.Second

// NewHub returns a hub reading from store and woken by bus (bus may be nil: the hub then relies on
// polling alone). Call Run to start it.
func NewHub(store dispatcher.Store, bus dispatcher.Bus, opts Options) *Hub {
	opts.defaults()
	h := &Hub{
		store:    store,
		bus:      bus,
		opts:     opts,
		log:      opts.Logger,
		pongWait: opts.PingInterval + opts.WriteTimeout,
		ready:    make(chan struct{}),
		closing:  make(chan struct{}),
		clients:  map[*client]struct{}{},
	}
	h.baseCtx, h.cancelBase = context.WithCancel(context.Background())
	h.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		CheckOrigin:     opts.CheckOrigin,
	}
	return h
}

// Open is the number of open streams.
func (h *Hub) Open() int { return int(h.open.Load()) }

// Run reads new events and hands them to the streams until ctx is done or the hub is closed; then
// it closes the hub (so every stream ends with CloseGoingAway) and returns nil. Streams are
// accepted once Run has read the store's last event id. Run may be called only once.
func (h *Hub) Run(ctx context.Context) error {
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("stream: Hub.Run called twice")
	}
	defer h.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(h.baseCtx, cancel)
	defer stop()

	var wake <-chan int64
	if h.bus != nil {
		ch, unsubscribe := h.bus.Subscribe()
		defer unsubscribe()
		wake = ch
	}
	poll := time.NewTicker(h.opts.PollInterval)
	defer poll.Stop()

	for {
		id, err := h.store.LastEventID(ctx)
		if err == nil {
			h.setCursor(id)
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		h.log.Warn("stream: reading the last event id; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
	}
	close(h.ready)
	h.log.Debug("stream: hub running", "cursor", h.cursor)

	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case id := <-wake:
			if id <= h.cursor {
				continue
			}
		case <-poll.C:
		}
		if !h.settle(ctx, last) {
			return nil
		}
		last = time.Now()
		h.pump(ctx)
	}
}

// settle waits until MinReadInterval has passed since the last read. Under a stream of writes the
// bus rings for every commit; reading the store once per ring would cost a query per event, while
// reading at most every few milliseconds takes the events in pages at a small cost in latency.
func (h *Hub) settle(ctx context.Context, last time.Time) bool {
	wait := h.opts.MinReadInterval - time.Since(last)
	if wait <= 0 {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// pump reads every event after the cursor, page by page, and offers each to the streams.
func (h *Hub) pump(ctx context.Context) {
	defer func() { clear(h.snap); h.snap = h.snap[:0] }()
	if h.skipWhileIdle(ctx) {
		return
	}
	for {
		evs, err := h.store.EventsAfter(ctx, h.cursor, h.opts.PageSize)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("stream: reading events", "after", h.cursor, "err", err)
			}
			return
		}
		if len(evs) == 0 {
			return
		}
		// The streams registered now: one registered later reads these events as backlog, since
		// they are already in the store.
		h.snapshot()
		for _, ev := range evs {
			if ev.ID <= h.cursor {
				continue
			}
			h.setCursor(ev.ID)
			var m queued
			for _, c := range h.snap {
				if c.sent(ev.ID) || !dispatcher.CanSeeEvent(c.actor, ev) {
					continue
				}
				if m.data == nil {
					if m.data = h.encode(ev); m.data == nil {
						break
					}
					m.id = ev.ID
				}
				c.offer(m)
			}
		}
		if len(evs) < h.opts.PageSize {
			return
		}
	}
}

// skipWhileIdle moves the cursor to the end of the log without reading the events when no stream
// is open (nobody would be offered them), and reports whether it did. The end is read before
// looking for streams: a stream registered after that look reads everything up to the end as its
// backlog, since registering comes before its backlog read. The end is read at most every
// idleRefresh; in between the cursor stays where it is.
func (h *Hub) skipWhileIdle(ctx context.Context) bool {
	if h.registered() > 0 {
		return false
	}
	if time.Since(h.idleRead) < idleRefresh {
		return true
	}
	h.idleRead = time.Now()
	last, err := h.store.LastEventID(ctx)
	if err != nil || h.registered() > 0 {
		return false
	}
	h.setCursor(max(h.cursor, last))
	return true
}

// setCursor moves the hub's cursor (on Run's goroutine only).
func (h *Hub) setCursor(id int64) {
	h.cursor = id
	h.known.Store(id)
}

// registered is the number of streams registered to be offered events.
func (h *Hub) registered() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

func (h *Hub) snapshot() {
	h.snap = h.snap[:0]
	h.mu.Lock()
	for c := range h.clients {
		h.snap = append(h.snap, c)
	}
	h.mu.Unlock()
}

// Close ends every stream with CloseGoingAway, refuses new ones (503), stops Run, and waits for the
// streams to finish their closing handshake (a stream whose console does not answer its close
// frame takes up to 2 s, or WriteTimeout if less, plus WriteTimeout if its socket is full). It may be called more
// than once.
func (h *Hub) Close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.closing)
		h.cancelBase()
	}
	h.mu.Unlock()
	h.streams.Wait()
}

// enter admits a Serve call unless the hub is closed.
func (h *Hub) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.streams.Add(1)
	return true
}

func (h *Hub) register(c *client) {
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
}

func (h *Hub) unregister(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// Serve upgrades the request to a websocket and streams to it, for actor, every event with
// id > since that the actor may see, then the live ones; it returns when the stream ends. The
// caller has authenticated the actor. Before Run has started, Serve waits for it (or for the request
// to be cancelled); once the hub is closed it answers 503. A failed upgrade has been answered by
// the upgrader. A since beyond the end of the log ends the stream with CloseBeyondEnd.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, actor dispatcher.Actor, since int64) {
	h.ServeChecked(w, r, actor, since, nil)
}

// ServeChecked is Serve for a stream whose right to go on is checked every CheckInterval: when
// check returns an EUnauthorized error (a token revoked or expired, an account disabled) the
// stream is closed with CloseUnauthorized. Other errors (the store is down) are logged and the
// stream goes on. check may be nil.
func (h *Hub) ServeChecked(w http.ResponseWriter, r *http.Request, actor dispatcher.Actor, since int64,
	check func(context.Context) error) {
	select {
	case <-h.ready:
	case <-h.closing:
	case <-r.Context().Done():
		return
	}
	if !h.enter() {
		http.Error(w, "the event stream is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer h.streams.Done()

	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.log.Debug("stream: upgrade failed", "login", actor.Login, "err", err)
		return
	}
	// The HTTP server's read and write timeouts leave deadlines on the connection: a stream lives
	// longer than any request, and sets its own deadlines for each read and write. (gorilla's
	// Upgrade clears them too; this does not depend on it.)
	_ = conn.NetConn().SetDeadline(time.Time{})
	h.open.Add(1)
	defer h.open.Add(-1)
	if since < 0 {
		since = 0
	}

	c := &client{
		hub:        h,
		conn:       conn,
		actor:      actor,
		queue:      make(chan queued, h.opts.QueueSize),
		catchingUp: true,
		dropped:    make(chan struct{}),
		readerDone: make(chan struct{}),
		check:      check,
	}
	ctx, cancel := context.WithCancel(h.baseCtx)
	defer cancel()

	// Register for live events BEFORE reading the backlog: an event the hub reads after this point
	// reaches the queue, one it read before is already in the store.
	h.register(c)
	go c.read(cancel)
	c.write(ctx, since)
	h.unregister(c)
	conn.Close()
	<-c.readerDone
}
