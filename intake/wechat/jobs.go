package wechat

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"cityhub/dispatcher"
	"cityhub/media"
)

// The outbox channels of the work done after a citizen has been answered.
const (
	outboxMedia  = "wechat:media"  // photos and videos to download from WeChat
	outboxNotice = "wechat:notice" // notices owed to citizens
)

// Retry policy of both: 5 s, 10 s, 20 s... at most 30 minutes apart, for about a day.
const (
	retryBase   = 5 * time.Second
	retryMax    = 30 * time.Minute
	maxAttempts = 12
	lease       = 2 * time.Minute
	// Items worked on at once: downloads wait on WeChat's API far more than on the CPU (decoding
	// a photo is bounded apart, by the cores); notices are small.
	mediaBatch  = 64
	noticeBatch = 16
)

// job is the payload of an outbox item.
type job struct {
	Kind    string `json:"kind"` // "media", or a notice kind (notice.go)
	OpenID  string `json:"openid"`
	DraftID int64  `json:"draft_id,omitempty"`
	MediaID string `json:"media_id,omitempty"`
	Number  string `json:"number,omitempty"`
	EventID int64  `json:"event_id,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// queueDownload owes the download of a photo to the draft (or the case it became).
func (in *Intake) queueDownload(ctx context.Context, openID string, draftID int64, mediaID, filed string) error {
	j := job{Kind: "media", OpenID: openID, DraftID: draftID, MediaID: mediaID, Number: filed}
	b, _ := json.Marshal(j)
	err := in.opt.Outbox.OutboxAdd(ctx, []dispatcher.OutboxItem{{Key: "wechat:media:" + openID + ":" + mediaID,
		Channel: outboxMedia, Payload: b, NextAt: in.now(), CreatedAt: in.now()}})
	in.poke()
	return err
}

// poke wakes this instance's worker: the work was queued here, most likely to be done here.
func (in *Intake) poke() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// Start runs the worker until Close: it follows the event log for notices and works the outbox.
func (in *Intake) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	in.mu.Lock()
	in.stop, in.done = cancel, make(chan struct{})
	in.mu.Unlock()
	go in.run(ctx)
}

// Close stops the worker and waits for it.
func (in *Intake) Close() {
	in.mu.Lock()
	stop, done := in.stop, in.done
	in.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

func (in *Intake) run(ctx context.Context) {
	defer close(in.done)
	t := time.NewTicker(in.opt.Poll)
	defer t.Stop()
	for {
		in.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-in.wake:
		}
	}
}

// round does what is due now; a failure is logged and tried again on the next round.
func (in *Intake) round(ctx context.Context) {
	if in.opt.API == nil {
		return
	}
	if err := in.followEvents(ctx); err != nil && ctx.Err() == nil {
		in.log.Warn("wechat: following the event log", "err", err)
	}
	in.work(ctx, outboxMedia, mediaBatch, in.download)
	in.work(ctx, outboxNotice, noticeBatch, in.deliver)
}

// work claims what is due on one outbox channel and does it, a batch at a time.
func (in *Intake) work(ctx context.Context, channel string, batch int, do func(context.Context, job) error) {
	for ctx.Err() == nil {
		items, err := in.opt.Outbox.OutboxClaim(ctx, channel, in.now(), lease, batch)
		if err != nil {
			in.log.Warn("wechat: claiming work", "channel", channel, "err", err)
			return
		}
		var wg sync.WaitGroup
		for _, group := range byCase(items) {
			wg.Go(func() { in.inOrder(ctx, group, do) })
		}
		wg.Wait()
		if len(items) < batch {
			return
		}
	}
}

// byCase groups the items of one case, oldest first: a citizen told "closed" before "resolved"
// would be confused. Items of no case (downloads before filing) are groups of their own.
func byCase(items []dispatcher.OutboxItem) [][]dispatcher.OutboxItem {
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

// inOrder does a case's items one after the other. After a failure the later ones wait: their
// claim lapses and they come back after the failed one has had its retry.
func (in *Intake) inOrder(ctx context.Context, group []dispatcher.OutboxItem, do func(context.Context, job) error) {
	for _, it := range group {
		if !in.attempt(ctx, it, do) {
			return
		}
	}
}

// attempt does one item and records the outcome: sent, or failed with the next try after a
// growing pause, or given up when it cannot succeed or has failed long enough.
func (in *Intake) attempt(ctx context.Context, it dispatcher.OutboxItem, do func(context.Context, job) error) (done bool) {
	var j job
	err := json.Unmarshal(it.Payload, &j)
	if err == nil {
		err = do(ctx, j)
	}
	// The outcome is recorded even when the worker is stopping: a notice sent but not marked
	// would be sent again after the restart.
	stopping := ctx.Err() != nil
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		if err := in.opt.Outbox.OutboxSent(rec, it.ID, in.now()); err != nil {
			in.log.Warn("wechat: recording a sent item", "err", err)
		}
		return true
	}
	giveUp := !retryable(err) || it.Attempts+1 >= maxAttempts
	if !stopping { // an attempt cut short by the shutdown is no news
		in.log.Warn("wechat: work failed", "key", it.Key, "attempt", it.Attempts+1, "give_up", giveUp, "err", err)
	}
	next := in.now().Add(retryWait(in.opt.RetryBase, it.Attempts+1))
	if err := in.opt.Outbox.OutboxFailed(rec, it.ID, next, err.Error(), giveUp); err != nil {
		in.log.Warn("wechat: recording a failed item", "err", err)
	}
	return giveUp // the next of the case need not wait for one that will not be tried again
}

func retryWait(base time.Duration, failures int) time.Duration {
	if failures > 20 {
		return retryMax
	}
	return min(base<<(failures-1), retryMax)
}

// permanent marks a failure that trying again cannot cure.
type permanent struct{ error }

func retryable(err error) bool {
	var p permanent
	if errors.As(err, &p) {
		return false
	}
	var api *APIError
	var status *httpError
	if errors.As(err, &api) || errors.As(err, &status) {
		return Retryable(err) // WeChat's answer: the client knows which ones pass
	}
	return dispatcher.ErrorCode(err) != dispatcher.EInvalid // the hub's own refusals do not change on retry
}

// download fetches a photo or video from WeChat, stores it as the hub stores any upload (type
// from the content, EXIF position kept on the original only), and attaches it to the draft, or
// to the case the draft became.
func (in *Intake) download(ctx context.Context, j job) error {
	data, _, err := in.opt.API.DownloadMedia(ctx, j.MediaID)
	if err != nil {
		return err
	}
	hash, err := in.store(ctx, data)
	if err != nil {
		in.markPhoto(ctx, j, "")
		return err
	}
	return in.markPhoto(ctx, j, hash)
}

func (in *Intake) store(ctx context.Context, data []byte) (string, error) {
	typ, err := media.Sniff(data)
	if err != nil {
		return "", permanent{err}
	}
	in.cpu <- struct{}{} // decoding a photo takes a core and some memory for a moment
	up, err := media.Process(data, typ)
	<-in.cpu
	if err != nil {
		return "", permanent{err}
	}
	rec, err := in.svc.PutMedia(ctx, Actor, up.Media, up.Content)
	if err != nil {
		return "", err
	}
	return rec.SHA256, nil
}

// markPhoto records the stored photo (or, with no hash, that it could not be taken) on the draft
// that is still being written; a draft already filed gets it on its case.
func (in *Intake) markPhoto(ctx context.Context, j job, hash string) error {
	filed := ""
	_, err := in.editDraft(ctx, j.OpenID, func(d *draft) (Reply, error) {
		filed = ""
		if d.ID != j.DraftID || d.Filed != "" {
			filed = d.Filed
			return Reply{}, nil
		}
		for i := range d.Photos {
			if d.Photos[i].MediaID == j.MediaID {
				d.Photos[i].Hash, d.Photos[i].Failed = hash, hash == ""
			}
		}
		return Reply{}, nil
	})
	if err != nil || hash == "" || (filed == "" && j.Number == "") {
		return err
	}
	return in.attachToCase(ctx, j, hash)
}

// attachToCase adds a photo that arrived after filing to the case, as the citizen's note.
func (in *Intake) attachToCase(ctx context.Context, j job, hash string) error {
	c, err := in.filedCase(ctx, j)
	if err != nil {
		return err
	}
	if slices.Contains(c.Media, hash) {
		return nil // attached by an earlier attempt
	}
	_, err = in.svc.Act(ctx, Actor, c.ID, dispatcher.ActionRequest{Action: dispatcher.ActNote,
		Text: "市民通过微信公众号补充的照片/视频", Media: []string{hash}})
	if code := dispatcher.ErrorCode(err); code == dispatcher.EConflict || code == dispatcher.EInvalid {
		return permanent{err}
	}
	return err
}

// filedCase finds the case a draft became, by the external id it was filed under.
func (in *Intake) filedCase(ctx context.Context, j job) (*dispatcher.Case, error) {
	c, err := in.svc.CaseByExternalID(ctx, Actor, dispatcher.ChannelWeChat, externalID(j.OpenID, j.DraftID))
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		return nil, permanent{err}
	}
	return c, err
}
