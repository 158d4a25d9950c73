package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/courier"
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

// work claims what is due on one outbox channel and does it, a batch at a time, a case's items
// in order (the courier's rules), with the channel's retry policy.
func (in *Intake) work(ctx context.Context, channel string, batch int, do func(context.Context, job) error) {
	courier.Worker{Outbox: in.opt.Outbox, Channel: channel, Batch: batch, Lease: lease,
		Retry: courier.Retry{Base: in.opt.RetryBase, Max: retryMax, Attempts: maxAttempts},
		Now:   in.now, Log: in.log, Do: func(ctx context.Context, it dispatcher.OutboxItem) error {
			var j job
			err := json.Unmarshal(it.Payload, &j)
			if err == nil {
				err = do(ctx, j)
			}
			if err != nil && !retryable(err) {
				return courier.Permanent(err)
			}
			return err
		}}.Work(ctx)
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
