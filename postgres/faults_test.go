package postgres

import (
	"context"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

// proxy forwards TCP connections from a local port to the test server. cut closes every
// connection and stops listening (as a server that goes down does); restore listens again on the
// same port; freeze keeps connections open but forwards nothing (as a hung server or a broken
// network does).
type proxy struct {
	t      *testing.T
	addr   string // where the proxy listens
	target string // the server

	mu     sync.Mutex
	l      net.Listener
	conns  []net.Conn
	frozen bool
}

func newProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: l.Addr().String(), target: target}
	p.serve(l)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(l net.Listener) {
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *proxy) forward(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	frozen := p.frozen
	p.mu.Unlock()
	if frozen {
		return // accepted, never answered
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, s)
	p.mu.Unlock()
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			for {
				p.mu.Lock()
				frozen := p.frozen
				p.mu.Unlock()
				if !frozen {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		dst.Close()
		src.Close()
	}
	go pipe(s, c)
	go pipe(c, s)
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		p.l.Close()
		p.l = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns, p.frozen = nil, false
}

func (p *proxy) restore() {
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("listen again on %s: %v", p.addr, err)
	}
	p.serve(l)
}

func (p *proxy) freeze() {
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

// viaProxy returns a fresh database's DSN that goes through a new proxy, and the proxy.
func viaProxy(t *testing.T) (string, *proxy) {
	dsn := pgtest.NewDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("these tests need a URL DSN in %s: %v", pgtest.EnvServer, err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.addr
	return u.String(), p
}

// probe runs each kind of request once and returns their errors.
func probe(ctx context.Context, s *Store, id int64, i int) map[string]error {
	errs := map[string]error{}
	_, errs["Case"] = s.Case(ctx, id)
	c, evs, tallies := benchCase(i)
	errs["CreateCase"] = s.CreateCase(ctx, c, evs, tallies)
	_, errs["EventsAfter"] = s.EventsAfter(ctx, 0, 10)
	errs["Ping"] = s.Ping(ctx)
	return errs
}

// TestRestart: while the server is down, requests fail with EUnavailable within seconds; once it
// is back, the store works again without being reopened.
func TestRestart(t *testing.T) {
	dsn, p := viaProxy(t)
	s := openAt(t, dsn)
	ctx := t.Context()
	c, evs, tallies := benchCase(0)
	must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")

	p.cut()
	for round := range 3 { // the pool's old connections and new attempts alike
		start := time.Now()
		for what, err := range probe(ctx, s, c.ID, 100+round) {
			if code := dispatcher.ErrorCode(err); code != dispatcher.EUnavailable {
				t.Errorf("%s while the server is down: %v (code %q), want %s", what, err, code, dispatcher.EUnavailable)
			}
			if round == 0 {
				t.Logf("%s while the server is down: %s", what, dispatcher.ErrorMessage(err))
			}
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("requests while the server is down took %v", d)
		}
	}

	p.restore()
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 1; ; attempt++ {
		errs := probe(ctx, s, c.ID, 200)
		ok := true
		for _, err := range errs {
			ok = ok && err == nil
		}
		if ok {
			t.Logf("recovered on attempt %d", attempt)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not recover after the server came back: %v", errs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestHungServer: a request to a server that stops answering fails with EUnavailable when its
// deadline passes, instead of hanging; so does Open.
func TestHungServer(t *testing.T) {
	dsn, p := viaProxy(t)
	s := openAt(t, dsn)
	c, evs, tallies := benchCase(0)
	must(t, s.CreateCase(t.Context(), c, evs, tallies), "CreateCase")
	p.freeze()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	for what, err := range probe(ctx, s, c.ID, 1) {
		if code := dispatcher.ErrorCode(err); code != dispatcher.EUnavailable {
			t.Errorf("%s on a hung server: %v (code %q), want %s", what, err, code, dispatcher.EUnavailable)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("requests on a hung server took %v past their deadline", d)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	if s2, err := Open(ctx, dsn); err == nil {
		s2.Close()
		t.Errorf("Open on a hung server succeeded")
	} else if code := dispatcher.ErrorCode(err); code != dispatcher.EUnavailable {
		t.Errorf("Open on a hung server: %v (code %q), want %s", err, code, dispatcher.EUnavailable)
	}
	p.cut() // let go of the frozen connections
}
