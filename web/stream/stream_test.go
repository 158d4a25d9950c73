package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"cityhub/dispatcher"
)

// wait bounds every wait in these tests; nothing is asserted about how fast things happen.
const wait = 5 * time.Second

const (
	unitDD = "QJ-GN-DD"
	unitXX = "QJ-GN-XX"
)

// fakeStore keeps events in memory. Only EventsAfter and LastEventID behave; anything else panics
// through the nil embedded interface.
type fakeStore struct {
	dispatcher.Store

	mu       sync.Mutex
	events   []*dispatcher.Event
	hook     func(afterID int64) // called after EventsAfter has read, before it returns (outside the lock)
	lastHook func()              // called by LastEventID before it reads (outside the lock)
}

func (s *fakeStore) add(evs ...*dispatcher.Event) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := int64(0)
	if n := len(s.events); n > 0 {
		last = s.events[n-1].ID
	}
	for _, ev := range evs {
		last++
		ev.ID = last
		s.events = append(s.events, ev)
	}
	return last
}

func (s *fakeStore) setHook(f func(int64)) {
	s.mu.Lock()
	s.hook = f
	s.mu.Unlock()
}

func (s *fakeStore) EventsAfter(ctx context.Context, afterID int64, limit int) ([]*dispatcher.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	i := sort.Search(len(s.events), func(i int) bool { return s.events[i].ID > afterID })
	j := min(i+limit, len(s.events))
	out := slices.Clone(s.events[i:j])
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(afterID)
	}
	return out, nil
}

func (s *fakeStore) LastEventID(ctx context.Context) (int64, error) {
	s.mu.Lock()
	hook := s.lastHook
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.events); n > 0 {
		return s.events[n-1].ID, nil
	}
	return 0, nil
}

var shanghai = time.FixedZone("CST", 8*3600)

// event is a note on case caseID that members of the visible units may see.
func event(caseID int64, visible ...string) *dispatcher.Event {
	return &dispatcher.Event{
		CaseID: caseID,
		Type:   "case.noted",
		Action: "note",
		Actor: dispatcher.Actor{Login: "li", Name: "李四", Role: dispatcher.DispatcherRole,
			Unit: dispatcher.CommandCentre, Certificate: &dispatcher.Certificate{}},
		At:      time.Date(2026, 11, 27, 9, 30, 15, 250_000_000, shanghai),
		From:    dispatcher.Dispatched,
		To:      dispatcher.Dispatched,
		Owner:   unitDD,
		Data:    json.RawMessage(`{"note":"已到现场"}`),
		Summary: dispatcher.CaseSummary{Number: fmt.Sprintf("QJ20261127%06d", caseID), State: dispatcher.Dispatched, Owner: unitDD},
		Visible: visible,
	}
}

// events returns n events every unit may see (and so does the centre).
func events(n int) []*dispatcher.Event {
	out := make([]*dispatcher.Event, n)
	for i := range out {
		out[i] = event(int64(i+1), unitDD, unitXX)
	}
	return out
}

var actors = map[string]dispatcher.Actor{
	"centre": {Login: "zhang", Name: "张三", Role: dispatcher.DispatcherRole, Unit: dispatcher.CommandCentre},
	"dd":     {Login: "wang", Name: "王五", Role: dispatcher.TeamLead, Unit: unitDD},
	"dd-aux": {Login: "zhao", Name: "赵六", Role: dispatcher.Auxiliary, Unit: unitDD},
	"xx":     {Login: "sun", Name: "孙七", Role: dispatcher.Officer, Unit: unitXX},
}

type harness struct {
	t       testing.TB
	store   *fakeStore
	bus     *dispatcher.LocalBus
	hub     *Hub
	srv     *httptest.Server
	dialer  websocket.Dialer
	runErr  chan error
	stopRun context.CancelFunc
	check   func(context.Context) error // the streams' check (ServeChecked); nil: none
}

// smallBuffers makes the kernel buffer little on both ends of a connection, so a console that
// does not read fills it quickly (test of the slow consumer).
const smallBuffer = 64 << 10

type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(smallBuffer)
	}
	return c, err
}

func newHarness(t testing.TB, opts Options, small bool) *harness {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &harness{t: t, store: &fakeStore{}, bus: dispatcher.NewLocalBus(), runErr: make(chan error, 1)}
	h.hub = NewHub(h.store, h.bus, opts)
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, ok := actors[r.URL.Query().Get("as")]
		if !ok {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		if h.check != nil {
			h.hub.ServeChecked(w, r, actor, since, h.check)
			return
		}
		h.hub.Serve(w, r, actor, since)
	}))
	if small {
		h.srv.Listener = smallBufListener{h.srv.Listener}
		h.dialer.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(smallBuffer)
			}
			return c, err
		}
	}
	h.srv.Start()
	h.dialer.HandshakeTimeout = wait
	return h
}

// start runs the hub; the harness stops it at the end of the test.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.stopRun = cancel
	go func() { h.runErr <- h.hub.Run(ctx) }()
	h.t.Cleanup(func() {
		h.hub.Close()
		cancel()
		select {
		case <-h.runErr:
		case <-time.After(wait):
			h.t.Errorf("Run did not return")
		}
		h.srv.Close()
	})
}

// publish appends events to the store and rings the bus.
func (h *harness) publish(evs ...*dispatcher.Event) int64 {
	last := h.store.add(evs...)
	_ = h.bus.Publish(context.Background(), last)
	return last
}

func (h *harness) url(as string, since int64) string {
	return fmt.Sprintf("ws%s?as=%s&since=%d", strings.TrimPrefix(h.srv.URL, "http"), as, since)
}

func (h *harness) dial(as string, since int64) *websocket.Conn {
	h.t.Helper()
	conn, resp, err := h.dialer.Dial(h.url(as, since), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		h.t.Fatalf("dial as %s since %d: %v (HTTP %d)", as, since, err, status)
	}
	h.t.Cleanup(func() { conn.Close() })
	return conn
}

// next reads one message.
func next(t testing.TB, conn *websocket.Conn) (Message, []byte) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	typ, b, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("message type %d, want text", typ)
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return m, b
}

// readUntil reads messages until the event with id last has arrived and returns the event ids in
// the order received. It fails on a control message other than stream.live or a second
// stream.live, and checks stream.live carries the id of the event before it (or since).
func readUntil(t testing.TB, conn *websocket.Conn, since, last int64) (ids []int64, liveAt int) {
	t.Helper()
	liveAt = -1
	prev := since
	for prev < last {
		m, raw := next(t, conn)
		switch {
		case m.Type == TypeLive:
			if liveAt >= 0 {
				t.Fatalf("second stream.live: %s", raw)
			}
			if m.ID != prev {
				t.Fatalf("stream.live id %d, want %d (the last id sent)", m.ID, prev)
			}
			liveAt = len(ids)
		case strings.HasPrefix(m.Type, ControlPrefix):
			t.Fatalf("unexpected control message %s", raw)
		default:
			ids = append(ids, m.ID)
			prev = m.ID
		}
	}
	return ids, liveAt
}

// expectSeq fails unless ids is exactly from..to.
func expectSeq(t testing.TB, ids []int64, from, to int64) {
	t.Helper()
	want := make([]int64, 0, to-from+1)
	for id := from; id <= to; id++ {
		want = append(want, id)
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("ids %v, want %d..%d with no gap and no duplicate", ids, from, to)
	}
}

func expectLive(t testing.TB, conn *websocket.Conn, id int64) {
	t.Helper()
	m, raw := next(t, conn)
	if m.Type != TypeLive || m.ID != id {
		t.Fatalf("got %s, want stream.live with id %d", raw, id)
	}
}

// expectClose reads until the stream ends and returns the close error.
func expectClose(t testing.TB, conn *websocket.Conn) (*websocket.CloseError, []int64) {
	t.Helper()
	var ids []int64
	for {
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		_, b, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("stream ended with %v after %d events (last %v), want a close frame", err, len(ids), ids[max(len(ids)-3, 0):])
			}
			return ce, ids
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("decoding %s: %v", b, err)
		}
		if !strings.HasPrefix(m.Type, ControlPrefix) {
			ids = append(ids, m.ID)
		}
	}
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// (1) Live delivery, and the message format.
func TestLiveDelivery(t *testing.T) {
	h := newHarness(t, Options{}, false)
	h.start()
	conn := h.dial("centre", 0)
	expectLive(t, conn, 0)

	plain := event(8, unitDD)
	plain.Data = nil
	plain.Reason = "现场核实"
	last := h.publish(event(7, unitDD), plain, event(9, unitXX))
	if last != 3 {
		t.Fatalf("store ids: last %d", last)
	}

	_, raw := next(t, conn)
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	if k := keys(got); !slices.Equal(k, []string{"at", "case_id", "data", "id", "type"}) {
		t.Fatalf("message keys %v in %s", k, raw)
	}
	data := got["data"].(map[string]any)
	if k := keys(data); !slices.Equal(k, []string{"action", "actor", "case", "detail", "from", "owner", "reason", "to"}) {
		t.Fatalf("data keys %v in %s", k, raw)
	}
	actor := data["actor"].(map[string]any)
	if k := keys(actor); !slices.Equal(k, []string{"login", "name", "role", "unit"}) {
		t.Fatalf("actor keys %v (the certificate must never be sent) in %s", k, raw)
	}
	if got["id"] != 1.0 || got["type"] != "case.noted" || got["case_id"] != 7.0 || data["action"] != "note" ||
		data["from"] != "dispatched" || data["to"] != "dispatched" || data["owner"] != unitDD ||
		actor["login"] != "li" || actor["name"] != "李四" || actor["role"] != "dispatcher" || actor["unit"] != "CMD" {
		t.Fatalf("wrong fields in %s", raw)
	}
	if at := got["at"].(string); at != "2026-11-27T01:30:15.25Z" {
		t.Fatalf("at %q, want UTC RFC 3339 2026-11-27T01:30:15.25Z", at)
	}
	if c := data["case"].(map[string]any); c["number"] != "QJ20261127000007" || c["state"] != "dispatched" {
		t.Fatalf("case summary in %s", raw)
	}
	if d, _ := json.Marshal(data["detail"]); string(d) != `{"note":"已到现场"}` {
		t.Fatalf("detail %s in %s", d, raw)
	}

	m, raw := next(t, conn)
	if m.ID != 2 || m.CaseID != 8 || m.Data.Reason != "现场核实" || string(m.Data.Detail) != "null" {
		t.Fatalf("second message %s: want id 2, detail null", raw)
	}
	m, _ = next(t, conn)
	if m.ID != 3 || m.CaseID != 9 {
		t.Fatalf("third message id %d case %d", m.ID, m.CaseID)
	}

	// More later, as they come.
	for i := 0; i < 3; i++ {
		last = h.publish(events(2)...)
		ids, _ := readUntil(t, conn, last-2, last)
		expectSeq(t, ids, last-1, last)
	}
}

// (2) Resume after a disconnect: exactly the missed events, then live ones.
func TestResume(t *testing.T) {
	h := newHarness(t, Options{}, false)
	h.store.add(events(10)...) // history before the hub starts
	h.start()

	conn := h.dial("centre", 4)
	ids, liveAt := readUntil(t, conn, 4, 10)
	expectSeq(t, ids, 5, 10)
	if liveAt != -1 {
		t.Fatalf("stream.live before the backlog was flushed")
	}
	expectLive(t, conn, 10)
	last := h.publish(events(5)...)
	ids, _ = readUntil(t, conn, 10, last)
	expectSeq(t, ids, 11, last)
	seen := last
	conn.Close()

	// Appended while disconnected: some with a wake-up, some without.
	h.publish(events(7)...)
	last = h.store.add(events(3)...)

	conn = h.dial("centre", seen)
	ids, liveAt = readUntil(t, conn, seen, last)
	expectSeq(t, ids, seen+1, last)
	if liveAt != -1 {
		t.Fatalf("stream.live at %d, before the backlog was flushed", liveAt)
	}
	expectLive(t, conn, last)
	from := last + 1
	last = h.publish(events(4)...)
	ids, _ = readUntil(t, conn, from-1, last)
	expectSeq(t, ids, from, last)
}

// TestConsoleOpensWhileHubIdles: with no console open, the hub moves its cursor to the end of
// the log without reading the events. A console that opens just before the hub reads that end,
// and an event written after the console's backlog read but before that end is read: the hub
// must see the console and read the event for it, not skip past it.
func TestConsoleOpensWhileHubIdles(t *testing.T) {
	h := newHarness(t, Options{}, false)
	last := h.store.add(events(5)...)
	h.start()
	<-h.hub.ready // Run has read its starting cursor: the next LastEventID is the idle hub's

	// The hook runs on the hub's goroutine: it reports to the test through opened, not t.Fatal.
	opened := make(chan *websocket.Conn, 1)
	var once sync.Once
	h.store.mu.Lock()
	h.store.lastHook = func() {
		once.Do(func() {
			conn, _, err := h.dialer.Dial(h.url("centre", last), nil)
			if err != nil {
				t.Errorf("dial: %v", err)
				opened <- nil
				return
			}
			var m Message
			_ = conn.SetReadDeadline(time.Now().Add(wait))
			if err := conn.ReadJSON(&m); err != nil || m.Type != TypeLive || m.ID != last {
				t.Errorf("first message %+v (%v), want stream.live %d: nothing after %d yet", m, err, last, last)
			}
			h.store.add(event(6, unitDD)) // after the console's backlog read, before the end is read
			opened <- conn
		})
	}
	h.store.mu.Unlock()
	_ = h.bus.Publish(context.Background(), last+1) // a wake-up: the idle hub reads the end of the log
	conn := <-opened
	if conn == nil {
		t.FailNow()
	}
	defer conn.Close()

	ids, _ := readUntil(t, conn, last, last+1)
	expectSeq(t, ids, last+1, last+1)
}

// (3) Events appended while consoles connect: the backlog read races the live broadcast.
func TestConnectWhileAppending(t *testing.T) {
	h := newHarness(t, Options{PollInterval: 20 * time.Millisecond, PageSize: 3}, false)
	h.store.add(events(5)...)
	var calls atomic.Int64
	h.store.setHook(func(int64) {
		// Shake the interleavings of the hub's and the streams' reads.
		if n := calls.Add(1); n%3 == 0 {
			time.Sleep(time.Duration(n%5) * 100 * time.Microsecond)
		}
	})
	h.start()

	const rounds, burst = 40, 30
	for round := 0; round < rounds; round++ {
		start, _ := h.store.LastEventID(context.Background())
		since := max(start-int64(round%4), 0)
		final := start + burst
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < burst; i++ {
				if i%4 == 3 {
					h.store.add(event(int64(i), unitDD)) // no wake-up: found by the next read
				} else {
					h.publish(event(int64(i), unitDD))
				}
				if i%5 == 0 {
					time.Sleep(50 * time.Microsecond)
				}
			}
		}()
		conn := h.dial("centre", since)
		ids, liveAt := readUntil(t, conn, since, final)
		<-done
		expectSeq(t, ids, since+1, final)
		if liveAt < 0 {
			// stream.live may come after the last event if the backlog reached it.
			expectLive(t, conn, final)
		}
		conn.Close()
	}
}

// (4) A unit member sees only its unit's events, in backlog and live; the centre sees all.
func TestUnitIsolation(t *testing.T) {
	h := newHarness(t, Options{}, false)
	batch := func() []*dispatcher.Event {
		return []*dispatcher.Event{
			event(1, unitDD),
			event(2, unitXX),
			event(3, unitXX, unitDD),
			event(4), // the centre only
			event(5, "QJ-GN-DD2"),
			event(6, unitDD),
		}
	}
	visibleToDD := func(first int64) []int64 {
		return []int64{first, first + 2, first + 5}
	}
	h.store.add(batch()...)
	h.start()

	centre := h.dial("centre", 0)
	dd := h.dial("dd", 0)
	aux := h.dial("dd-aux", 0)
	xx := h.dial("xx", 0)

	ids, _ := readUntil(t, centre, 0, 6)
	expectSeq(t, ids, 1, 6)
	expectLive(t, centre, 6)
	for _, c := range []*websocket.Conn{dd, aux} {
		ids, _ = readUntil(t, c, 0, 6)
		if !slices.Equal(ids, visibleToDD(1)) {
			t.Fatalf("unit backlog ids %v, want %v", ids, visibleToDD(1))
		}
		expectLive(t, c, 6)
	}
	ids, _ = readUntil(t, xx, 0, 3)
	if !slices.Equal(ids, []int64{2, 3}) {
		t.Fatalf("other unit's backlog ids %v", ids)
	}
	expectLive(t, xx, 3)

	last := h.publish(batch()...)
	ids, _ = readUntil(t, centre, 6, last)
	expectSeq(t, ids, 7, last)
	for _, c := range []*websocket.Conn{dd, aux} {
		ids, _ = readUntil(t, c, 6, last)
		if !slices.Equal(ids, visibleToDD(7)) {
			t.Fatalf("unit live ids %v, want %v", ids, visibleToDD(7))
		}
	}
	// xx's last visible live event is 9; a sentinel it may see proves nothing else came before.
	sentinel := h.publish(event(99, unitXX))
	ids, _ = readUntil(t, xx, 3, sentinel)
	if !slices.Equal(ids, []int64{8, 9, sentinel}) {
		t.Fatalf("other unit's live ids %v", ids)
	}
}

// (5) A console that does not read is closed with 4008 while others keep receiving, and resumes.
func TestSlowConsumer(t *testing.T) {
	const queue = 4
	h := newHarness(t, Options{QueueSize: queue, WriteTimeout: 30 * time.Second}, true)
	h.start()
	normal := h.dial("centre", 0)
	slow := h.dial("centre", 0)
	expectLive(t, normal, 0)
	// The slow stream is live (past its backlog) before the burst; from now on it reads nothing.
	expectLive(t, slow, 0)

	big := strings.Repeat("x", 4000)
	bigEvent := func() *dispatcher.Event {
		ev := event(1, unitDD)
		ev.Reason = big
		return ev
	}
	// A burst far bigger than the queue plus both socket buffers, in batches no bigger than the
	// queue so that the console that reads is never behind by more than its queue.
	const batches = 100
	var last int64
	for i := 0; i < batches; i++ {
		batch := make([]*dispatcher.Event, queue)
		for j := range batch {
			batch[j] = bigEvent()
		}
		from := last
		last = h.publish(batch...)
		ids, _ := readUntil(t, normal, from, last)
		expectSeq(t, ids, from+1, last)
	}

	// Now read the slow one: whatever was on the wire, then the close frame.
	ce, got := expectClose(t, slow)
	if ce.Code != CloseSlowConsumer {
		t.Fatalf("slow console closed with %d %q, want %d", ce.Code, ce.Text, CloseSlowConsumer)
	}
	resume := int64(0)
	if len(got) > 0 {
		expectSeq(t, got, 1, got[len(got)-1])
		resume = got[len(got)-1]
	}
	t.Logf("the slow console got %d of %d events before 4008", len(got), last)
	if resume >= last {
		t.Fatalf("the slow console got everything (%d events): the test did not overflow it", len(got))
	}
	if want := fmt.Sprintf("slow consumer: reconnect with since=%d", resume); ce.Text != want {
		t.Fatalf("close reason %q, want %q", ce.Text, want)
	}

	// The normal console still receives.
	from := last
	last = h.publish(events(2)...)
	ids, _ := readUntil(t, normal, from, last)
	expectSeq(t, ids, from+1, last)

	// The slow one resumes with no gap (reading now, with a queue of 4, so fetch the backlog with
	// no live traffic and then live events in small batches).
	again := h.dial("centre", resume)
	ids, liveAt := readUntil(t, again, resume, last)
	expectSeq(t, ids, resume+1, last)
	if liveAt != -1 {
		t.Fatalf("stream.live before the backlog was flushed")
	}
	expectLive(t, again, last)
	from = last
	last = h.publish(events(queue)...)
	ids, _ = readUntil(t, again, from, last)
	expectSeq(t, ids, from+1, last)
	// normal and again (the slow stream's Serve may take a moment to return).
	eventually(t, "two open streams after the slow one left", func() bool { return h.hub.Open() == 2 })
}

// An overflow while the backlog is still being sent is not fatal: the stream reads the store
// again and still delivers everything once, in order.
func TestOverflowWhileCatchingUp(t *testing.T) {
	const queue = 2
	h := newHarness(t, Options{QueueSize: queue, PageSize: 4}, false)
	h.store.add(events(10)...)
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	h.store.setHook(func(after int64) {
		if after == 0 { // only the catching-up stream reads from 0; the hub starts at 10
			once.Do(func() {
				close(entered)
				<-release
			})
		}
	})
	h.start()
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before the harness closes the hub, even if the test fails early

	watcher := h.dial("centre", 10)
	expectLive(t, watcher, 10)
	// Opens in the background: Dial returns once the handshake is done, which is before the
	// stream's first store read, which blocks.
	catching := h.dial("centre", 0)
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("the stream never read its backlog")
	}
	// The catching-up stream is registered now; overflow its queue of 2 many times over.
	last := int64(10)
	for i := 0; i < 10; i++ {
		from := last
		last = h.publish(events(queue)...)
		ids, _ := readUntil(t, watcher, from, last)
		expectSeq(t, ids, from+1, last)
	}
	unblock()

	ids, liveAt := readUntil(t, catching, 0, last)
	expectSeq(t, ids, 1, last)
	if liveAt != -1 {
		t.Fatalf("stream.live before the backlog was flushed")
	}
	expectLive(t, catching, last)
	from := last
	last = h.publish(events(queue)...)
	ids, _ = readUntil(t, catching, from, last)
	expectSeq(t, ids, from+1, last)
}

// (6) Without a wake-up on the bus, events still arrive by polling.
func TestPollFallback(t *testing.T) {
	for _, noBus := range []bool{false, true} {
		t.Run(fmt.Sprintf("nilbus=%v", noBus), func(t *testing.T) {
			h := newHarness(t, Options{PollInterval: 100 * time.Millisecond}, false)
			if noBus {
				h.hub.bus = nil
			}
			h.start()
			conn := h.dial("dd", 0)
			expectLive(t, conn, 0)
			last := h.store.add(events(3)...) // no Publish
			ids, _ := readUntil(t, conn, 0, last)
			expectSeq(t, ids, 1, last)
		})
	}
}

// (7) Open counts the streams.
func TestOpenCounts(t *testing.T) {
	h := newHarness(t, Options{}, false)
	h.start()
	if n := h.hub.Open(); n != 0 {
		t.Fatalf("Open() = %d before any stream", n)
	}
	a := h.dial("centre", 0)
	b := h.dial("dd", 0)
	c := h.dial("xx", 0)
	for _, conn := range []*websocket.Conn{a, b, c} {
		expectLive(t, conn, 0)
	}
	eventually(t, "Open() == 3", func() bool { return h.hub.Open() == 3 })

	// A clean close, then a dropped connection.
	_ = b.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(wait))
	eventually(t, "Open() == 2", func() bool { return h.hub.Open() == 2 })
	c.Close()
	eventually(t, "Open() == 1", func() bool { return h.hub.Open() == 1 })

	// The one left still works.
	last := h.publish(events(1)...)
	ids, _ := readUntil(t, a, 0, last)
	expectSeq(t, ids, 1, last)
}

// (8) Close ends every stream with 1001 and refuses new ones.
func TestCloseGoingAway(t *testing.T) {
	h := newHarness(t, Options{}, false)
	h.store.add(events(3)...)
	h.start()
	a := h.dial("centre", 0)
	b := h.dial("dd", 2)
	readUntil(t, a, 0, 3)
	expectLive(t, a, 3)
	readUntil(t, b, 2, 3)
	expectLive(t, b, 3)
	eventually(t, "two streams", func() bool { return h.hub.Open() == 2 })

	closed := make(chan struct{})
	go func() {
		h.hub.Close()
		close(closed)
	}()
	for _, conn := range []*websocket.Conn{a, b} {
		ce, ids := expectClose(t, conn)
		if ce.Code != CloseGoingAway || len(ids) != 0 {
			t.Fatalf("closed with %d %q after %v, want %d", ce.Code, ce.Text, ids, CloseGoingAway)
		}
	}
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("Close did not return")
	}
	if n := h.hub.Open(); n != 0 {
		t.Fatalf("Open() = %d after Close returned", n)
	}
	select {
	case err := <-h.runErr:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		h.runErr <- nil
	case <-time.After(wait):
		t.Fatal("Run did not return after Close")
	}
	_, resp, err := h.dialer.Dial(h.url("centre", 0), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Close: %v %v, want HTTP 503", err, resp)
	}
}

// Cancelling Run's context also ends the streams with 1001.
func TestRunEndClosesStreams(t *testing.T) {
	h := newHarness(t, Options{}, false)
	h.start()
	conn := h.dial("centre", 0)
	expectLive(t, conn, 0)
	h.stopRun()
	ce, _ := expectClose(t, conn)
	if ce.Code != CloseGoingAway {
		t.Fatalf("close code %d, want %d", ce.Code, CloseGoingAway)
	}
}

// A stream opened before Run starts waits for it and misses nothing in between.
func TestServeWaitsForRun(t *testing.T) {
	h := newHarness(t, Options{}, false)
	h.store.add(events(2)...)
	dialed := make(chan *websocket.Conn, 1)
	go func() {
		conn, _, err := h.dialer.Dial(h.url("centre", 0), nil)
		if err != nil {
			dialed <- nil
			return
		}
		dialed <- conn
	}()
	time.Sleep(20 * time.Millisecond) // let the request reach Serve (not required for the test to pass)
	h.store.add(events(2)...)
	h.start()
	conn := <-dialed
	if conn == nil {
		t.Fatal("dial failed")
	}
	defer conn.Close()
	last := h.publish(events(2)...)
	ids, _ := readUntil(t, conn, 0, last)
	expectSeq(t, ids, 1, last)
}

func TestOrigin(t *testing.T) {
	h := newHarness(t, Options{}, false)
	h.start()
	hdr := http.Header{"Origin": {"https://evil.example"}}
	if _, resp, err := h.dialer.Dial(h.url("centre", 0), hdr); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin dial: %v, want 403", err)
	}
	hdr = http.Header{"Origin": {h.srv.URL}}
	conn, _, err := h.dialer.Dial(h.url("centre", 0), hdr)
	if err != nil {
		t.Fatalf("same-origin dial: %v", err)
	}
	defer conn.Close()
	expectLive(t, conn, 0)
}

// A console's pings are answered and its data messages ignored; the hub pings it too.
func TestPingPong(t *testing.T) {
	h := newHarness(t, Options{PingInterval: 20 * time.Millisecond, WriteTimeout: time.Second}, false)
	h.start()
	conn := h.dial("centre", 0)
	var pings atomic.Int64
	conn.SetPingHandler(func(data string) error {
		pings.Add(1)
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(wait))
	})
	pong := make(chan struct{}, 1)
	conn.SetPongHandler(func(string) error {
		select {
		case pong <- struct{}{}:
		default:
		}
		return nil
	})
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"hello":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	expectLive(t, conn, 0)
	// Keep reading (pings are handled while reading) until both directions have been seen, well
	// past the pong wait, and the stream still delivers.
	var last int64
	deadline := time.Now().Add(wait)
	for len(pong) == 0 || pings.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("pings %d, pong %d", pings.Load(), len(pong))
		}
		from := last
		last = h.publish(events(1)...)
		ids, _ := readUntil(t, conn, from, last)
		expectSeq(t, ids, from+1, last)
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		origin, host string
		ok           bool
	}{
		{"", "hub.example:8080", true},
		{"https://hub.example:8080", "hub.example:8080", true},
		{"https://HUB.example:8080", "hub.example:8080", true},
		{"https://hub.example", "hub.example:8080", false},
		{"https://other.example:8080", "hub.example:8080", false},
		{"null", "hub.example", false},
	} {
		r := httptest.NewRequest("GET", "http://"+c.host+"/stream", nil)
		r.Host = c.host
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if got := SameOrigin(r); got != c.ok {
			t.Errorf("SameOrigin(Origin %q, Host %q) = %v", c.origin, c.host, got)
		}
	}
}

// discard reads a websocket until it fails, counting event messages.
func discard(conn *websocket.Conn, n *atomic.Int64) {
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, r)
		n.Add(1)
	}
}

// TestIdleHubReadsTheEndSparingly: while no console is open, wake-ups read the end of the log at
// most once per idleRefresh, so the hub's cursor falls behind; a console that opens then gets
// every event after its since exactly once, though the hub reads some of them again.
func TestIdleHubReadsTheEndSparingly(t *testing.T) {
	h := newHarness(t, Options{MinReadInterval: time.Millisecond}, false)
	h.store.add(events(5)...)
	var reads atomic.Int64
	h.store.mu.Lock()
	h.store.lastHook = func() { reads.Add(1) }
	h.store.mu.Unlock()
	h.start()
	<-h.hub.ready // Run has read its starting cursor: later reads are the idle hub's
	start, base := time.Now(), reads.Load()
	var last int64
	for i := range 20 {
		last = h.store.add(event(int64(10+i), unitDD))
		_ = h.bus.Publish(context.Background(), last)
		time.Sleep(2 * time.Millisecond)
	}
	allowed := int64(time.Since(start)/idleRefresh) + 1
	if n := reads.Load() - base; n > allowed {
		t.Fatalf("the idle hub read the end of the log %d times in %v (at most %d)", n, time.Since(start), allowed)
	}

	conn, _, err := h.dialer.Dial(h.url("centre", 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	final := h.store.add(event(99, unitDD))
	_ = h.bus.Publish(context.Background(), final)
	ids, _ := readUntil(t, conn, 3, final)
	expectSeq(t, ids, 4, final)
}

// TestStaleOffersDoNotOverflowANewStream: a hub whose cursor fell behind while no console was
// open (TestIdleHubReadsTheEndSparingly) offers a console that opens then events its backlog has
// sent already. Many more of them than its queue holds must not close it as a slow consumer.
func TestStaleOffersDoNotOverflowANewStream(t *testing.T) {
	const queue, stale = 2, 200
	h := newHarness(t, Options{QueueSize: queue, PollInterval: time.Hour}, false)
	h.start()
	<-h.hub.ready // the hub's cursor is 0; nothing wakes it while the events below are written
	last := h.store.add(events(stale)...)

	conn := h.dial("centre", 0)
	ids, _ := readUntil(t, conn, 0, last)
	expectSeq(t, ids, 1, last)
	expectLive(t, conn, last)

	// The hub wakes and reads from its cursor: the stale events, then the new one.
	from := last
	last = h.publish(event(1, unitDD))
	ids, _ = readUntil(t, conn, from, last)
	expectSeq(t, ids, from+1, last)
}

// TestMessagesAreWhatEncodingJSONWrites: an event message is encoding/json's encoding of its wire
// form, whatever the text; an event whose data is not JSON goes out with a null detail; one
// whose time cannot be written is skipped.
func TestMessagesAreWhatEncodingJSONWrites(t *testing.T) {
	h := &Hub{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	awkward := "<script>\"&\"</script> 占道\u2028\u2029 \x01 \\ \xff \ufffd"
	ev := event(7, unitDD)
	ev.Reason, ev.Actor.Name, ev.Summary.Address = awkward, awkward, awkward
	ev.Data = json.RawMessage(` {"note" : "<b>已到现场</b>", "n": [1, 2.50]} `)
	deadline := time.Date(2026, 11, 30, 17, 0, 0, 0, shanghai)
	ev.Summary.Deadline = &deadline
	ev.HashVersion, ev.Summary.Text, ev.Summary.Version, ev.Summary.ReturnCount = dispatcher.HashV3, awkward, 5, 1
	ev.Summary.Extension = &dispatcher.ExtensionRequest{RequestedBy: "gn-lead", RequestedAt: deadline, Reason: awkward,
		Limit: dispatcher.Limit{Value: 1, Unit: dispatcher.WorkDay}}
	want, err := json.Marshal(newMessage(ev))
	if err != nil {
		t.Fatal(err)
	}
	got := h.encode(ev)
	if string(got) != string(want) {
		t.Errorf("encode =\n%s\nencoding/json wrote\n%s", got, want)
	}
	var row struct {
		Data struct {
			Case map[string]any `json:"case"`
		} `json:"data"`
	}
	if err := json.Unmarshal(got, &row); err != nil || row.Data.Case["id"] != float64(ev.CaseID) ||
		row.Data.Case["version"] != float64(5) || row.Data.Case["return_count"] != float64(1) || row.Data.Case["extension"] == nil {
		t.Errorf("data.case is not the case's id beside its summary: %v %v", err, row.Data.Case)
	}

	ev.Data = json.RawMessage(`{"note":`)
	var m Message
	if err := json.Unmarshal(h.encode(ev), &m); err != nil || string(m.Data.Detail) != "null" || m.Data.Owner != ev.Owner {
		t.Errorf("an event with broken data: %v, detail %s, reason %q", err, m.Data.Detail, m.Data.Reason)
	}
	ev.Data = nil
	ev.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := h.encode(ev); got != nil {
		t.Errorf("an event in year 10000 was encoded as %s", got)
	}
	ev.At = time.Date(2026, 11, 30, 17, 0, 0, 0, shanghai)
	deadline = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := h.encode(ev); got != nil {
		t.Errorf("an event with a deadline in year -1 was encoded as %s", got)
	}
}
