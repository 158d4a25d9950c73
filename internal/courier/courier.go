// Package courier carries what the hub owes citizens after answering them (a WeChat notice, a text
// message, a photo to fetch): it follows the event log into the outbox, once whichever instance
// sees an event first, and works an outbox channel with retries, a case's items in order.
//
// The channels decide what an event owes and how an item is done; the courier decides when.
package courier

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"cityhub/dispatcher"
)

// Events is the part of the service the follower reads.
type Events interface {
	EventsAfter(ctx context.Context, actor dispatcher.Actor, afterID int64, limit int) ([]*dispatcher.Event, error)
	LastEventID(ctx context.Context) (int64, error)
}

// Follower queues what new events owe. Every instance follows the log; the outbox keeps one item
// per key, so each item is queued once whichever instance sees its event first.
//
// The cursor lives in memory and in the KV the instances share. An instance resumes from the
// later of the two, and writes the shared one only when it has queued something (or every
// SaveEvery): most events owe nothing, and a write per second for nothing would be a write per
// second on a SQLite hub's single writer. A restart then reads again the events since the last
// write, which owe nothing or what is already queued.
type Follower struct {
	Key    string // the cursor's key in the KV
	KV     dispatcher.KV
	Outbox dispatcher.Outbox
	Events Events
	Actor  dispatcher.Actor
	// Owed lists the items a batch of events owes (none for most events).
	Owed func(ctx context.Context, evs []*dispatcher.Event) ([]dispatcher.OutboxItem, error)
	// SaveEvery bounds how long the shared cursor may lag (0: five minutes).
	SaveEvery time.Duration
	Now       func() time.Time // nil: time.Now

	mu      sync.Mutex
	started bool      // last is set
	last    int64     // the last event this instance looked at
	saved   time.Time // when it last wrote the shared cursor
}

// Follow reads the events after the cursor (up to a thousand), queues what they owe and moves the
// cursor past them.
func (f *Follower) Follow(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	shared, rev, err := f.cursor(ctx)
	if err != nil {
		return err
	}
	after := max(shared, f.last)
	evs, err := f.Events.EventsAfter(ctx, f.Actor, after, 1000)
	if err != nil || len(evs) == 0 {
		return err
	}
	items, err := f.Owed(ctx, evs)
	if err != nil {
		return err
	}
	if len(items) > 0 {
		if err := f.Outbox.OutboxAdd(ctx, items); err != nil {
			return err
		}
	}
	f.started, f.last = true, evs[len(evs)-1].ID
	if len(items) == 0 && f.now().Sub(f.saved) < f.saveEvery() {
		return nil
	}
	f.saved = f.now()
	last := strconv.FormatInt(f.last, 10)
	if _, err := f.KV.KVPut(ctx, f.Key, []byte(last), rev, 0); dispatcher.ErrorCode(err) != dispatcher.EConflict {
		return err
	}
	return nil // another instance moved it meanwhile: it queued the same items
}

func (f *Follower) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

func (f *Follower) saveEvery() time.Duration {
	if f.SaveEvery <= 0 {
		return 5 * time.Minute
	}
	return f.SaveEvery
}

// cursor is the shared cursor and its revision (0 when there is none). An instance that finds
// none begins at the end of the log, in memory: what happened before the channel existed owes its
// citizens nothing.
func (f *Follower) cursor(ctx context.Context) (int64, int64, error) {
	e, err := f.KV.KVGet(ctx, f.Key)
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		if !f.started {
			if f.last, err = f.Events.LastEventID(ctx); err != nil {
				return 0, 0, err
			}
			f.started, f.saved = true, f.now()
		}
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	n, err := strconv.ParseInt(string(e.Value), 10, 64)
	return n, e.Rev, err
}

// Worker does the due items of one outbox channel.
type Worker struct {
	Outbox  dispatcher.Outbox
	Channel string
	Batch   int           // items claimed and worked on at once
	Lease   time.Duration // how long a claim keeps other instances off an item
	Retry   Retry
	// Independent items need no order: each is worked on apart, and one that fails holds up no
	// other (texts to different people); otherwise a case's items go in order (see ByCase).
	Independent bool
	Now         func() time.Time
	Log         *slog.Logger
	// Do does one item. An error marked Permanent is not tried again.
	Do func(ctx context.Context, it dispatcher.OutboxItem) error
}

// Retry is when a failed item is tried again: after Base, then twice as long each time up to Max,
// at most Attempts times in all.
type Retry struct {
	Base, Max time.Duration
	Attempts  int
}

// Wait is the pause after the given number of failures.
func (r Retry) Wait(failures int) time.Duration {
	if failures > 20 {
		return r.Max
	}
	return min(r.Base<<(failures-1), r.Max)
}

// Permanent marks a failure that trying again cannot cure.
func Permanent(err error) error { return permanent{err} }

type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Work claims what is due and does it, a batch at a time, until nothing more is due.
func (w Worker) Work(ctx context.Context) {
	for ctx.Err() == nil {
		items, err := w.Outbox.OutboxClaim(ctx, w.Channel, w.Now(), w.Lease, w.Batch)
		if err != nil {
			w.Log.Warn("outbox: claiming work", "channel", w.Channel, "err", err)
			return
		}
		groups := ByCase(items)
		if w.Independent {
			groups = apart(items)
		}
		var wg sync.WaitGroup
		for _, group := range groups {
			wg.Go(func() { w.inOrder(ctx, group) })
		}
		wg.Wait()
		if len(items) < w.Batch {
			return
		}
	}
}

// ByCase groups the items of one case, oldest first: a citizen told "closed" before "resolved"
// would be confused. Items of no case are groups of their own.
func ByCase(items []dispatcher.OutboxItem) [][]dispatcher.OutboxItem {
	var groups [][]dispatcher.OutboxItem
	at := map[int64]int{}
	slices.SortFunc(items, func(a, b dispatcher.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	for _, it := range items {
		if i, ok := at[it.CaseID]; ok && it.CaseID != 0 {
			groups[i] = append(groups[i], it)
			continue
		}
		at[it.CaseID] = len(groups)
		groups = append(groups, []dispatcher.OutboxItem{it})
	}
	return groups
}

func apart(items []dispatcher.OutboxItem) [][]dispatcher.OutboxItem {
	out := make([][]dispatcher.OutboxItem, len(items))
	for i := range items {
		out[i] = items[i : i+1]
	}
	return out
}

// inOrder does a case's items one after the other. After a failure the later ones wait: their
// claim lapses and they come back after the failed one has had its retry.
func (w Worker) inOrder(ctx context.Context, group []dispatcher.OutboxItem) {
	for _, it := range group {
		if !w.attempt(ctx, it) {
			return
		}
	}
}

// attempt does one item and records the outcome: sent, or failed with the next try after a
// growing pause, or given up when it cannot succeed or has failed long enough.
func (w Worker) attempt(ctx context.Context, it dispatcher.OutboxItem) (done bool) {
	err := w.Do(ctx, it)
	// The outcome is recorded even when the worker is stopping: a message sent but not marked
	// would be sent again after the restart.
	stopping := ctx.Err() != nil
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		if err := w.Outbox.OutboxSent(rec, it.ID, w.Now()); err != nil {
			w.Log.Warn("outbox: recording a sent item", "channel", w.Channel, "err", err)
		}
		return true
	}
	giveUp := IsPermanent(err) || it.Attempts+1 >= w.Retry.Attempts
	if !stopping { // an attempt cut short by the shutdown is no news
		w.Log.Warn("outbox: work failed", "key", it.Key, "attempt", it.Attempts+1, "give_up", giveUp, "err", err)
	}
	next := w.Now().Add(w.Retry.Wait(it.Attempts + 1))
	if err := w.Outbox.OutboxFailed(rec, it.ID, next, err.Error(), giveUp); err != nil {
		w.Log.Warn("outbox: recording a failed item", "channel", w.Channel, "err", err)
	}
	return giveUp // the next of the case need not wait for one that will not be tried again
}
