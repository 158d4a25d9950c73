package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"cityhub/dispatcher"
	"cityhub/web/stream"
)

// The screen's stream: a doorbell, not a feed. It sends {"id": N}, N the last event id, when it
// opens and whenever events have been written since it last rang, at most every screenCoalesce;
// the page then fetches GET /api/v1/screen again. It carries no event, so nothing of a case can
// leak through it, and a screen that misses a ring loses nothing: the next one, or its reconnect,
// brings it up to date.

const (
	screenCoalesce  = 250 * time.Millisecond // at most four rings a second
	screenPoll      = time.Second            // reads the log's end too, in case the bus is down
	screenPing      = 30 * time.Second
	screenWriteWait = 10 * time.Second
)

// displayRecheck is dispatcher.DisplayRecheck (a variable so that tests may shorten it).
var displayRecheck = dispatcher.DisplayRecheck

var screenUpgrader = websocket.Upgrader{ReadBufferSize: 512, WriteBufferSize: 512,
	CheckOrigin: func(*http.Request) bool { return true }} // screenAuthed checked it for a cookie

// screenBell is one screen stream's state: the last id rung and the newest known.
type screenBell struct {
	conn          *websocket.Conn
	rung, pending int64
}

func (s *Server) handleScreenStream(w http.ResponseWriter, r *http.Request) {
	still, _ := r.Context().Value(screenKey{}).(stillValid)
	last, err := s.svc.LastEventID(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	conn, err := screenUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go readUntilClosed(conn, cancel)
	b := &screenBell{conn: conn, rung: -1, pending: last}
	if b.ring() != nil {
		return
	}
	s.ringScreen(ctx, b, still)
}

// ringScreen rings the screen as events are written until it goes away, a write fails, or its
// credential no longer holds.
func (s *Server) ringScreen(ctx context.Context, b *screenBell, still stillValid) {
	wake, unsubscribe := s.svc.Bus().Subscribe()
	defer unsubscribe()
	tick, poll, ping := time.NewTicker(screenCoalesce), time.NewTicker(screenPoll), time.NewTicker(screenPing)
	recheck := time.NewTicker(displayRecheck)
	defer func() { tick.Stop(); poll.Stop(); ping.Stop(); recheck.Stop() }()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case id := <-wake:
			b.pending = max(b.pending, id)
		case <-poll.C:
			if id, perr := s.svc.LastEventID(ctx); perr == nil {
				b.pending = max(b.pending, id)
			}
		case <-tick.C:
			err = b.ring()
		case <-ping.C:
			err = b.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(screenWriteWait))
		case <-recheck.C:
			if still != nil && dispatcher.ErrorCode(still(ctx)) == dispatcher.EUnauthorized { // not when the store is down
				b.close(stream.CloseUnauthorized, "unauthorized")
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// ring sends the newest id if it has not been sent.
func (b *screenBell) ring() error {
	if b.pending <= b.rung {
		return nil
	}
	_ = b.conn.SetWriteDeadline(time.Now().Add(screenWriteWait))
	if err := b.conn.WriteJSON(map[string]int64{"id": b.pending}); err != nil {
		return err
	}
	b.rung = b.pending
	return nil
}

func (b *screenBell) close(code int, reason string) {
	msg := websocket.FormatCloseMessage(code, reason)
	_ = b.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(screenWriteWait))
}

// readUntilClosed reads (and drops) what the screen sends, answering pings and taking pongs,
// and cancels once the connection is gone or has been silent past two pings.
func readUntilClosed(conn *websocket.Conn, cancel context.CancelFunc) {
	defer cancel()
	conn.SetReadLimit(4096)
	wait := 2*screenPing + screenWriteWait
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(wait)) })
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(wait))
	}
}
