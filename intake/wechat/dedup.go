package wechat

import (
	"context"
	"encoding/json"
	"time"

	"cityhub/dispatcher"
)

// WeChat waits 5 seconds for an answer, then delivers the same push again (three times in all),
// possibly to another instance. The first delivery claims the message in the shared KV; the
// others wait for its reply.
const (
	claimTTL        = 30 * time.Second // a crashed instance's claim frees itself
	doneTTL         = time.Hour        // well past WeChat's last retry
	stateProcessing = "processing"
	stateDone       = "done"
)

// claim is the KV value at wechat:msg:<DedupKey>.
type claim struct {
	State string `json:"state"`
	Reply string `json:"reply,omitempty"`
}

func dedupKey(m *Message) string { return "wechat:msg:" + m.DedupKey() }

// respondOnce has the Responder answer m unless another delivery of m already did or is doing so.
// A duplicate gets the first delivery's reply; one still waiting after pollFor gets "success"
// (an empty reply), so that WeChat stops retrying while the first delivery finishes.
func (w *Webhook) respondOnce(ctx context.Context, m *Message) (Reply, error) {
	key := dedupKey(m)
	// The wait is measured on the real clock: w.now is the protocol's clock and may stand still
	// in tests.
	deadline := time.Now().Add(w.pollFor)
	for {
		rev, err := w.kv.KVPut(ctx, key, mustJSON(claim{State: stateProcessing}), 0, claimTTL)
		if err == nil {
			return w.respondClaimed(ctx, m, key, rev)
		}
		if dispatcher.ErrorCode(err) != dispatcher.EConflict {
			return Reply{}, err
		}
		reply, settled, err := w.awaitOther(ctx, key, deadline)
		if settled || err != nil {
			return reply, err
		}
		// The claim is gone: its holder's Respond failed (or it crashed). Claim it ourselves.
	}
}

// respondClaimed runs the Responder under our claim and records its reply for the duplicates;
// on failure it releases the claim so that WeChat's retry may try again.
func (w *Webhook) respondClaimed(ctx context.Context, m *Message, key string, rev int64) (Reply, error) {
	reply, err := w.r.Respond(ctx, m)
	// The KV writes below must happen even if WeChat hung up meanwhile.
	bg := context.WithoutCancel(ctx)
	if err != nil {
		if derr := w.kv.KVDelete(bg, key, rev); derr != nil {
			w.log.Warn("wechat: claim not released; retries wait for it to expire", "key", redactKey(m), "err", derr)
		}
		return Reply{}, err
	}
	// The reply is recorded after it is sent, off the answer's path: a retry comes at least five
	// seconds later, and a duplicate racing this one polls until the record is there.
	go func() {
		if _, err := w.kv.KVPut(bg, key, mustJSON(claim{State: stateDone, Reply: reply.Text}), rev, doneTTL); err != nil {
			w.log.Warn("wechat: reply not recorded; a retry may be answered again", "key", redactKey(m), "err", err)
		}
	}()
	return reply, nil
}

// awaitOther polls the claim another delivery holds. settled is true with the reply once it is
// done, or with an empty reply at the deadline; false when the claim disappeared.
func (w *Webhook) awaitOther(ctx context.Context, key string, deadline time.Time) (reply Reply, settled bool, err error) {
	for {
		e, err := w.kv.KVGet(ctx, key)
		if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
			return Reply{}, false, nil
		}
		if err != nil {
			return Reply{}, false, err
		}
		var c claim
		if err := json.Unmarshal(e.Value, &c); err != nil {
			return Reply{}, false, dispatcher.Errorf(dispatcher.EInternal, "bad claim at %s: %v", key, err)
		}
		if c.State == stateDone {
			return Reply{Text: c.Reply}, true, nil
		}
		if !time.Now().Before(deadline) {
			return Reply{}, true, nil
		}
		if err := sleep(ctx, w.pollEvery); err != nil {
			return Reply{}, false, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // a claim always marshals
	}
	return b
}
