package wechat

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/geo"
	"cityhub/internal/testclock"
	"cityhub/internal/testref"
	"cityhub/internal/teststore"
)

// Points of the tests, WGS-84. guNan lies in 古南街道, owned by the 古南 brigade.
var guNan = dispatcher.Point{Lat: 28.99, Lng: 106.64}

// gcj is where a phone in China reports a WGS-84 point: WeChat sends GCJ-02.
func gcj(p dispatcher.Point) dispatcher.Point { return geo.WGS84ToGCJ02(p) }

// convFixture is the conversation on a real service and store, without the webhook.
type convFixture struct {
	t     *testing.T
	ctx   context.Context
	svc   *dispatcher.Service
	clock *testclock.Clock
	kv    dispatcher.KV
	out   dispatcher.Outbox
	in    *Intake
	msgID uint64
}

func newConvFixture(t *testing.T) *convFixture {
	t.Helper()
	ref, router := testref.Qijiang(t)
	store := teststore.Open(t)
	ms := mediaStoreOf(t, store)
	clk := testclock.New(time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref,
		Now: clk.Now, Media: ms, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f := &convFixture{t: t, ctx: context.Background(), svc: svc, clock: clk,
		kv: dispatcher.NewMemoryKV(clk.Now), out: newMemOutbox()}
	f.in = f.intake(nil)
	return f
}

// intake is another instance of the channel on the same service, KV and outbox.
func (f *convFixture) intake(api *Client) *Intake {
	return NewIntake(f.svc, Options{KV: f.kv, Outbox: f.out, API: api, Now: f.clock.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func mediaStoreOf(t *testing.T, store dispatcher.Store) dispatcher.MediaStore {
	return teststore.Media(t, store)
}

// send has in answer one message of the citizen and returns the reply text.
func (f *convFixture) send(in *Intake, m Message) string {
	f.t.Helper()
	f.msgID++
	m.ToUserName, m.CreateTime = "gh_qijiang", f.clock.Now().Unix()
	if m.MsgType != "event" {
		m.MsgID = f.msgID
	}
	r, err := in.Respond(f.ctx, &m)
	if err != nil {
		f.t.Fatalf("Respond(%s %q): %v", m.MsgType, m.Content, err)
	}
	return r.Text
}

func (f *convFixture) say(openID, text string) string {
	f.t.Helper()
	return f.send(f.in, Message{FromUserName: openID, MsgType: "text", Content: text})
}

func (f *convFixture) locate(openID string, p dispatcher.Point, label string) string {
	f.t.Helper()
	g := gcj(p)
	return f.send(f.in, Message{FromUserName: openID, MsgType: "location", LocationX: g.Lat, LocationY: g.Lng,
		Scale: 16, Label: label})
}

func (f *convFixture) casesOf(openID string) []*dispatcher.Case {
	f.t.Helper()
	page, err := f.svc.Cases(f.ctx, Actor, dispatcher.CaseFilter{OpenID: openID, Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return page.Cases
}

// memOutbox is the Outbox of one process, for tests of the channel alone.
type memOutbox struct {
	mu    sync.Mutex
	items []*dispatcher.OutboxItem
	keys  map[string]bool
}

func newMemOutbox() *memOutbox { return &memOutbox{keys: map[string]bool{}} }

func (o *memOutbox) OutboxAdd(_ context.Context, items []dispatcher.OutboxItem) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range items {
		if o.keys[it.Key] {
			continue
		}
		o.keys[it.Key] = true
		it.ID = int64(len(o.items) + 1)
		o.items = append(o.items, &it)
	}
	return nil
}

func (o *memOutbox) OutboxClaim(_ context.Context, channel string, now time.Time, lease time.Duration, limit int) ([]dispatcher.OutboxItem, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var due []*dispatcher.OutboxItem
	for _, it := range o.items {
		if it.Channel == channel && it.SentAt == nil && !it.GaveUp && !it.NextAt.After(now) {
			due = append(due, it)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].NextAt.Before(due[j].NextAt) })
	var out []dispatcher.OutboxItem
	for _, it := range due[:min(limit, len(due))] {
		it.NextAt = now.Add(lease)
		out = append(out, *it)
	}
	return out, nil
}

func (o *memOutbox) OutboxSent(_ context.Context, id int64, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.items[id-1].SentAt = &at
	return nil
}

func (o *memOutbox) OutboxFailed(_ context.Context, id int64, next time.Time, lastError string, giveUp bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	it := o.items[id-1]
	it.Attempts++
	it.NextAt, it.LastError, it.GaveUp = next, lastError, giveUp
	return nil
}

func (o *memOutbox) OutboxItems(_ context.Context, caseID int64) ([]dispatcher.OutboxItem, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []dispatcher.OutboxItem
	for _, it := range o.items {
		if it.CaseID == caseID {
			out = append(out, *it)
		}
	}
	return out, nil
}

// jpegFixture is the project's JPEG with EXIF GPS (media/testdata).
func jpegFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../media/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pngFixture is a small PNG of its own.
func pngFixture(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
