package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// Outbox is the conformance suite of dispatcher.Outbox. Its subtests share ob, each with a
// channel, keys and case ids of its own. Times are given to the store (NextAt, CreatedAt, the now
// of OutboxClaim), never read from the clock, so the suite does not sleep. Choices the contract
// leaves open, which every store makes alike:
//
//   - OutboxClaim returns the items with NextAt set to now+lease (what the store now holds);
//   - OutboxAdd fills a zero CreatedAt with the time of the call and a zero NextAt with CreatedAt;
//   - OutboxSent and OutboxFailed of an unknown id are ENotFound.
func Outbox(t *testing.T, ob dispatcher.Outbox) {
	tests := []struct {
		name string
		fn   func(t *testing.T, ob dispatcher.Outbox, ns outboxNS)
	}{
		{"AddSkipsDuplicates", testOutboxAddSkipsDuplicates},
		{"ClaimDueOldestFirst", testOutboxClaimDue},
		{"Lease", testOutboxLease},
		{"SentFailedGiveUp", testOutboxSentFailed},
		{"ConcurrentClaims", testOutboxConcurrentClaims},
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	run := hex.EncodeToString(b[:])
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Case ids apart per run and per subtest, so that OutboxItems sees only its own.
			caseID := int64(b[0])<<40 | int64(b[1])<<32 | int64(b[2])<<24 | int64(i+1)<<16
			tc.fn(t, ob, outboxNS{channel: "storetest-" + run + "-" + tc.name, caseID: caseID})
		})
	}
}

// outboxNS is what one subtest owns: a channel (also the prefix of its keys) and a case id.
type outboxNS struct {
	channel string
	caseID  int64
}

func (ns outboxNS) item(key string, next time.Time) dispatcher.OutboxItem {
	return dispatcher.OutboxItem{Key: ns.channel + ":" + key, Channel: ns.channel, CaseID: ns.caseID,
		Payload: []byte(`{"text":"` + key + `"}`), NextAt: next, CreatedAt: outboxBase}
}

// outboxBase is the creation time of the suite's items.
var outboxBase = time.Date(2026, 3, 1, 8, 0, 0, 123000, time.UTC)

func testOutboxAddSkipsDuplicates(t *testing.T, ob dispatcher.Outbox, ns outboxNS) {
	ctx := t.Context()
	a := ns.item("a", outboxBase)
	must(t, ob.OutboxAdd(ctx, []dispatcher.OutboxItem{a, ns.item("b", outboxBase.Add(time.Second))}), "OutboxAdd")
	dup := a
	dup.Payload = []byte(`{"text":"changed"}`)
	must(t, ob.OutboxAdd(ctx, []dispatcher.OutboxItem{dup, ns.item("c", outboxBase.Add(2*time.Second))}), "OutboxAdd with a duplicate")
	must(t, ob.OutboxAdd(ctx, nil), "OutboxAdd of nothing")
	items, err := ob.OutboxItems(ctx, ns.caseID)
	must(t, err, "OutboxItems")
	if got := itemKeys(items); !slices.Equal(got, []string{a.Key, ns.channel + ":b", ns.channel + ":c"}) {
		t.Fatalf("OutboxItems: keys %q", got)
	}
	want := a
	want.ID = items[0].ID
	sameJSON(t, "the first item", items[0], want)
	if items[0].ID <= 0 || items[1].ID <= items[0].ID || items[2].ID <= items[1].ID {
		t.Errorf("ids %d %d %d: want positive, increasing", items[0].ID, items[1].ID, items[2].ID)
	}
	none, err := ob.OutboxItems(ctx, ns.caseID+1)
	must(t, err, "OutboxItems of a case with none")
	if len(none) != 0 {
		t.Errorf("OutboxItems of a case with none: %d items", len(none))
	}
	// Once sent, the key still counts: adding it again queues nothing.
	must(t, ob.OutboxSent(ctx, items[0].ID, outboxBase.Add(time.Minute)), "OutboxSent")
	must(t, ob.OutboxAdd(ctx, []dispatcher.OutboxItem{a}), "OutboxAdd of a sent key")
	items, err = ob.OutboxItems(ctx, ns.caseID)
	must(t, err, "OutboxItems")
	if len(items) != 3 {
		t.Errorf("after adding a sent key again: %d items, want 3", len(items))
	}
}

func testOutboxClaimDue(t *testing.T, ob dispatcher.Outbox, ns outboxNS) {
	ctx := t.Context()
	now := outboxBase.Add(time.Hour)
	must(t, ob.OutboxAdd(ctx, []dispatcher.OutboxItem{
		ns.item("later", now.Add(time.Second)),
		ns.item("second", now.Add(-time.Minute)),
		ns.item("first", now.Add(-time.Hour)),
		ns.item("third", now),
	}), "OutboxAdd")
	other := ns.item("other", now.Add(-2*time.Hour))
	other.Channel = ns.channel + "-other"
	must(t, ob.OutboxAdd(ctx, []dispatcher.OutboxItem{other}), "OutboxAdd on another channel")
	got, err := ob.OutboxClaim(ctx, ns.channel, now, time.Minute, 2)
	must(t, err, "OutboxClaim")
	if keys := itemKeys(got); !slices.Equal(keys, []string{ns.channel + ":first", ns.channel + ":second"}) {
		t.Fatalf("first claim (limit 2): %q", keys)
	}
	for _, it := range got {
		if !it.NextAt.Equal(now.Add(time.Minute)) || it.Channel != ns.channel || it.CaseID != ns.caseID {
			t.Errorf("claimed %s: next %v channel %q case %d; want next %v", it.Key, it.NextAt, it.Channel,
				it.CaseID, now.Add(time.Minute))
		}
	}
	got, err = ob.OutboxClaim(ctx, ns.channel, now, time.Minute, 10)
	must(t, err, "OutboxClaim")
	if keys := itemKeys(got); !slices.Equal(keys, []string{ns.channel + ":third"}) {
		t.Fatalf("second claim: %q; want only the item due now (not the later one)", keys)
	}
}

func testOutboxLease(t *testing.T, ob dispatcher.Outbox, ns outboxNS) {
	ctx := t.Context()
	now := outboxBase.Add(time.Hour)
	must(t, ob.OutboxAdd(ctx, []dispatcher.OutboxItem{ns.item("a", now)}), "OutboxAdd")
	got, err := ob.OutboxClaim(ctx, ns.channel, now, time.Minute, 10)
	must(t, err, "OutboxClaim")
	if len(got) != 1 {
		t.Fatalf("first claim: %d items, want 1", len(got))
	}
	again, err := ob.OutboxClaim(ctx, ns.channel, now.Add(59*time.Second), time.Minute, 10)
	must(t, err, "OutboxClaim during the lease")
	if len(again) != 0 {
		t.Fatalf("a claim during the lease got %q", itemKeys(again))
	}
	again, err = ob.OutboxClaim(ctx, ns.channel, now.Add(time.Minute), time.Minute, 10)
	must(t, err, "OutboxClaim after the lease")
	if len(again) != 1 || again[0].ID != got[0].ID {
		t.Fatalf("a claim after the lease got %q, want the item again", itemKeys(again))
	}
}

func testOutboxSentFailed(t *testing.T, ob dispatcher.Outbox, ns outboxNS) {
	ctx := t.Context()
	now := outboxBase.Add(time.Hour)
	must(t, ob.OutboxAdd(ctx, []dispatcher.OutboxItem{ns.item("sent", now), ns.item("retry", now),
		ns.item("dead", now)}), "OutboxAdd")
	got, err := ob.OutboxClaim(ctx, ns.channel, now, time.Minute, 10)
	must(t, err, "OutboxClaim")
	if len(got) != 3 {
		t.Fatalf("claim: %d items, want 3", len(got))
	}
	sentAt := now.Add(time.Second)
	must(t, ob.OutboxSent(ctx, got[0].ID, sentAt), "OutboxSent")
	retryAt := now.Add(10 * time.Second)
	must(t, ob.OutboxFailed(ctx, got[1].ID, retryAt, "45009 rate limit", false), "OutboxFailed")
	must(t, ob.OutboxFailed(ctx, got[2].ID, now.Add(time.Hour), "45015 outside the window", true), "OutboxFailed giving up")
	wantCode(t, ob.OutboxSent(ctx, 1<<60, sentAt), dispatcher.ENotFound, "OutboxSent of an unknown id")
	wantCode(t, ob.OutboxFailed(ctx, 1<<60, sentAt, "x", false), dispatcher.ENotFound, "OutboxFailed of an unknown id")

	items, err := ob.OutboxItems(ctx, ns.caseID)
	must(t, err, "OutboxItems")
	want := []dispatcher.OutboxItem{ns.item("sent", now.Add(time.Minute)), ns.item("retry", retryAt), ns.item("dead", now.Add(time.Hour))}
	want[0].SentAt = &sentAt
	want[1].Attempts, want[1].LastError = 1, "45009 rate limit"
	want[2].Attempts, want[2].LastError, want[2].GaveUp = 1, "45015 outside the window", true
	for i := range want {
		want[i].ID = got[i].ID
	}
	sameJSON(t, "the items after sending and failing", items, want)

	// Sent and given-up items are never claimed again; the failed one is at its next attempt.
	late, err := ob.OutboxClaim(ctx, ns.channel, now.Add(24*time.Hour), time.Minute, 10)
	must(t, err, "OutboxClaim")
	if keys := itemKeys(late); !slices.Equal(keys, []string{ns.channel + ":retry"}) {
		t.Errorf("claim a day later: %q, want only the retried item", keys)
	}
	early, err := ob.OutboxClaim(ctx, ns.channel, retryAt.Add(-time.Second), time.Minute, 10)
	must(t, err, "OutboxClaim")
	if len(early) != 0 {
		t.Errorf("claim before the next attempt got %q", itemKeys(early))
	}
}

// testOutboxConcurrentClaims has 8 claimers take small batches of 60 due items at once: every
// item is claimed exactly once.
func testOutboxConcurrentClaims(t *testing.T, ob dispatcher.Outbox, ns outboxNS) {
	ctx := t.Context()
	now := outboxBase.Add(time.Hour)
	const n, claimers = 60, 8
	var items []dispatcher.OutboxItem
	for i := range n {
		items = append(items, ns.item(fmt.Sprintf("i%03d", i), now.Add(-time.Duration(i)*time.Second)))
	}
	must(t, ob.OutboxAdd(ctx, items), "OutboxAdd")
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Go(func() {
			for {
				got, err := ob.OutboxClaim(ctx, ns.channel, now, time.Hour, 3)
				if err != nil {
					t.Errorf("OutboxClaim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, it := range got {
					seen[it.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d distinct items claimed, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("item %d claimed %d times", id, k)
		}
	}
}

func itemKeys(items []dispatcher.OutboxItem) []string {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Key
	}
	return keys
}
