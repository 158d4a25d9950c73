package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// consoleRow is what a console keeps of a case: the fields it compares.
type consoleRow struct {
	ID      int64  `json:"id"`
	Number  string `json:"number"`
	State   string `json:"state"`
	Unit    string `json:"unit"`
	Version int64  `json:"version"`
}

// console is a console as the front end keeps one: rows from the snapshot, then the stream's
// events applied when their case's version is newer than the row's.
type console struct {
	rows map[int64]consoleRow
	last int64 // id of the last event message read
}

func openConsole(t *testing.T, h *hub, token string) (*console, *websocket.Conn) {
	t.Helper()
	var snap struct {
		LastEventID int64        `json:"last_event_id"`
		Cases       []consoleRow `json:"cases"`
	}
	h.do("GET", "/api/v1/console/snapshot", token, nil, 200, &snap)
	c := &console{rows: map[int64]consoleRow{}, last: snap.LastEventID}
	for _, r := range snap.Cases {
		c.rows[r.ID] = r
	}
	return c, h.stream(token, snap.LastEventID)
}

// follow applies the stream's events until it has read the one with id until (or the stream
// says it is live and until is 0 or behind).
func (c *console) follow(t *testing.T, conn *websocket.Conn, until int64) {
	t.Helper()
	for c.last < until {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var m streamMsg
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("reading the stream after event %d, waiting for %d: %v", c.last, until, err)
		}
		if m.Type == "stream.live" {
			continue
		}
		var data struct {
			Case consoleRow `json:"case"`
		}
		if err := json.Unmarshal(m.Data, &data); err != nil {
			t.Fatal(err)
		}
		if data.Case.ID != m.CaseID {
			t.Fatalf("event %d: data.case.id %d, case_id %d", m.ID, data.Case.ID, m.CaseID)
		}
		if held, ok := c.rows[m.CaseID]; !ok || data.Case.Version > held.Version {
			c.rows[m.CaseID] = data.Case
		}
		c.last = m.ID
	}
}

// TestConsolesMissNothing: consoles that start from a snapshot taken while reports are being
// filed and acknowledged, then follow the stream from its last_event_id, end with exactly the
// cases a fresh snapshot shows, in the same state and version: the dispatcher every case, 古南's
// officer only 古南's, 三江's officer none of them.
func TestConsolesMissNothing(t *testing.T) {
	h := startHub(t)
	op, gn, disp, sj := h.login("op1"), h.login("gn-1"), h.login("disp1"), h.login("sj-1")
	write := func(i int) error { // not h.do: it runs on another goroutine, which may not end the test
		var out struct{ Case consoleRow }
		err := postJSON(h.base+"/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95,
			"lng": 106.60, "text": fmt.Sprintf("占道经营 %d", i)}, &out)
		if err == nil && i%2 == 0 {
			err = postJSON(h.base+"/api/v1/cases/"+out.Case.Number+"/actions", gn, map[string]string{"action": "acknowledge"}, nil)
		}
		return err
	}
	for i := range 10 {
		if err := write(i); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() { // keep writing while the consoles open
		defer wg.Done()
		for i := 10; i < 40 && werr == nil; i++ {
			werr = write(i)
		}
	}()
	time.Sleep(20 * time.Millisecond)
	dc, dconn := openConsole(t, h, disp)
	gc, gconn := openConsole(t, h, gn)
	sc, sconn := openConsole(t, h, sj)
	wg.Wait()
	if werr != nil {
		t.Fatal(werr)
	}
	last, err := h.m.store.LastEventID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dc.follow(t, dconn, last)
	gc.follow(t, gconn, last)
	readUntil(t, sconn, "stream.live")
	for _, c := range []struct {
		name    string
		console *console
		token   string
		want    int
	}{{"dispatcher", dc, disp, 40}, {"古南's officer", gc, gn, 40}, {"三江's officer", sc, sj, 0}} {
		fresh, _ := openConsole(t, h, c.token)
		if len(fresh.rows) != c.want || len(c.console.rows) != len(fresh.rows) {
			t.Errorf("%s: the console holds %d cases, a fresh snapshot %d, want %d", c.name, len(c.console.rows), len(fresh.rows), c.want)
		}
		for id, want := range fresh.rows {
			if got := c.console.rows[id]; got != want {
				t.Errorf("%s: case %d is %+v on the console, %+v in a fresh snapshot", c.name, id, got, want)
			}
		}
	}
}

// postJSON posts body as JSON with the token and decodes the answer into out; an answer other than
// 200 or 201 is an error.
func postJSON(url, token string, body, out any) error {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 && resp.StatusCode != 201 {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
