package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

// TestMigrateSQLiteToPostgres copies a district with cases in many states from SQLite to an empty
// PostgreSQL database: case numbers, events, hashes, accounts, api keys, display tokens, the admin log and measures survive, the
// copy audits clean, and new cases continue after the copied ids. A second migrate into the same
// database is refused.
func TestMigrateSQLiteToPostgres(t *testing.T) {
	src := startHubOn(t, "") // SQLite whatever the run's store, demo data
	op, gn, insp := src.login("op1"), src.login("gn-1"), src.login("insp1")
	for i := 0; i < 12; i++ {
		var out struct{ Case dispatcher.Case }
		src.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60}, 201, &out)
		n := out.Case.Number
		if i%3 == 0 {
			continue
		}
		src.do("POST", "/api/v1/cases/"+n+"/actions", gn, map[string]any{"action": "acknowledge"}, 200, nil)
		src.do("POST", "/api/v1/cases/"+n+"/actions", gn, map[string]any{"action": "resolve", "text": "已劝离"}, 200, nil)
		if i%3 == 1 {
			src.do("POST", "/api/v1/cases/"+n+"/actions", insp, map[string]any{"action": "pass"}, 200, nil)
		}
	}
	data := photo(t) // an attachment of a report, which the copy must serve alike
	var up uploaded
	src.upload(op, data, 201, &up)
	src.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
		"media": []string{up.Media.SHA256}}, 201, nil)
	key, _ := src.m.svc.CreateAPIKey(context.Background(), "carried-over")
	admin := src.login("admin")
	var display struct{ Token string }
	src.do("POST", "/api/v1/admin/displays", admin, map[string]string{"name": "大厅"}, 201, &display)
	src.do("POST", "/api/v1/admin/places", admin, map[string]any{"id": "gn-csc", "name": "古南菜市场", "kind": "market",
		"point": map[string]float64{"lat": 29.021, "lng": 106.646}}, 201, nil)
	src.do("DELETE", "/api/v1/admin/places/gn-csc", admin, nil, 200, nil)
	sqlitePath := filepath.Join(src.m.Config.DataDir, "cityhub.db")
	before := measures(t, src)
	queueOutbox(t, src.m.store)
	src.m.Close()

	dsn := pgtest.NewDatabase(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--from", sqlitePath, "--to", dsn}, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "audit of the copy: ok") || !strings.Contains(out.String(), "copied 1 attachments") {
		t.Errorf("migrate output: %s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "verify", "--db", dsn}, &out, &out); err != nil {
		t.Fatalf("audit verify on the copy: %v", err)
	}
	if err := run(context.Background(), []string{"migrate", "--from", sqlitePath, "--to", dsn}, &out, &out); err == nil {
		t.Error("a second migrate into a non-empty store was accepted")
	}

	dst := startInstance(t, dsn, "", "")
	if got := measures(t, dst); got != before {
		t.Errorf("measures differ after the copy:\n before %s\n after  %s", before, got)
	}
	var log struct{ Entries []dispatcher.AdminEntry }
	dst.do("GET", "/api/v1/admin/log", dst.login("admin"), nil, 200, &log)
	if len(log.Entries) != 3 || log.Entries[0].Action != dispatcher.AdminPlaceDelete || log.Entries[1].Target != "gn-csc" {
		t.Errorf("the admin log after the copy: %+v", log.Entries)
	}
	if status := screenStatus(t, dst, display.Token); status != 200 {
		t.Errorf("the copied display token does not read the screen: %d", status)
	}
	if _, status := dst.postOpen311(key, 28.95, 106.60); status != 201 {
		t.Errorf("the copied api key does not work: %d", status)
	}
	if resp, body := dst.fetch("/api/v1/media/"+up.Media.SHA256, dst.login("op1")); resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Errorf("the copy serves the centre %d, the original: %v", resp.StatusCode, bytes.Equal(body, data))
	}
	if resp, _ := dst.fetch("/api/v1/media/"+up.Media.SHA256+"/thumbnail", dst.login("gn-lead")); resp.StatusCode != 200 {
		t.Errorf("the copy serves 古南 the thumbnail with %d", resp.StatusCode)
	}
	wantOutboxCopied(t, dst.m.store)
	page, err := dst.m.store.ListCases(context.Background(), dispatcher.CaseFilter{Newest: true, Limit: 1})
	if err != nil || page.Total != 14 || page.Cases[0].ID != 14 {
		t.Errorf("after the copy: %d cases, newest id %v (%v)", page.Total, page.Cases, err)
	}
}

func measures(t *testing.T, h *hub) string {
	t.Helper()
	var rep dispatcher.MeasureReport
	h.do("GET", "/api/v1/measures?period=month&dim=unit", h.login("boss"), nil, 200, &rep)
	b, _ := json.Marshal(rep.Rows)
	return string(b)
}

// screenStatus is the status of GET /api/v1/screen with a display token's cookie.
func screenStatus(t *testing.T, h *hub, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", h.base+"/api/v1/screen", nil)
	req.AddCookie(&http.Cookie{Name: "cityhub_display", Value: token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// queueOutbox queues two messages for case 1 in the source store and sends one of them.
func queueOutbox(t *testing.T, st dispatcher.Store) {
	t.Helper()
	ob := st.(dispatcher.Outbox)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	items := []dispatcher.OutboxItem{
		{Key: "wechat:event:sent", Channel: "wechat", CaseID: 1, Payload: []byte(`{"n":1}`), NextAt: at, CreatedAt: at},
		{Key: "wechat:event:owed", Channel: "wechat", CaseID: 1, Payload: []byte(`{"n":2}`), NextAt: at, CreatedAt: at},
	}
	if err := ob.OutboxAdd(ctx, items); err != nil {
		t.Fatal(err)
	}
	got, err := ob.OutboxClaim(ctx, "wechat", at, time.Minute, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("OutboxClaim: %v, %v", got, err)
	}
	if err := ob.OutboxSent(ctx, got[0].ID, at); err != nil {
		t.Fatal(err)
	}
}

// wantOutboxCopied checks that only the message still owed came over.
func wantOutboxCopied(t *testing.T, st dispatcher.Store) {
	t.Helper()
	items, err := st.(dispatcher.Outbox).OutboxItems(context.Background(), 1)
	if err != nil || len(items) != 1 || items[0].Key != "wechat:event:owed" || string(items[0].Payload) != `{"n":2}` {
		t.Errorf("the outbox after the copy: %+v, %v; want the one message still owed", items, err)
	}
}
