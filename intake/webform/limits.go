package webform

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Limits bound what one address and one phone number may file. Below PerAddress in
// AddressWindow an address files freely; above it, each further report needs a solved
// proof-of-work challenge, and HardPerAddress in HardWindow is the end even so. A phone number
// files at most PerPhone in PhoneWindow (a citizen reports a few problems a day, not dozens). An
// address may ask for Tracks case statuses in TrackWindow, a case number TracksPerCase: the last
// four digits of a phone are 10,000 guesses.
type Limits struct {
	PerAddress     int
	AddressWindow  time.Duration
	HardPerAddress int
	HardWindow     time.Duration
	PerPhone       int
	PhoneWindow    time.Duration
	Tracks         int
	TrackWindow    time.Duration
	TracksPerCase  int
	Difficulty     int // leading zero bits of the proof of work: 20 is about a million hashes, a second or two on a phone
}

// DefaultLimits are the channel's limits: a family behind one address reporting a few problems
// files freely; a script does not get far.
var DefaultLimits = Limits{
	PerAddress: 5, AddressWindow: 10 * time.Minute,
	HardPerAddress: 30, HardWindow: time.Hour,
	PerPhone: 5, PhoneWindow: time.Hour,
	Tracks: 20, TrackWindow: 10 * time.Minute, TracksPerCase: 10,
	Difficulty: 20,
}

// tooMany is a refusal over a limit: 429 with Retry-After, and whether a challenge would help.
type tooMany struct {
	msg       string
	retry     time.Duration
	challenge bool
}

func (e tooMany) Error() string { return e.msg }

func (e tooMany) write(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(int(e.retry.Seconds())+1))
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": e.msg, "challenge_required": e.challenge})
}

// allow counts one request of key against n per window. A limiter that is down lets it through:
// the reports are few, and refusing citizens for the hub's own failure is worse.
func (h *Handler) allow(ctx context.Context, key string, n int, window time.Duration) (bool, time.Duration) {
	if h.opt.Limiter == nil {
		return true, 0
	}
	ok, retry, err := h.opt.Limiter.Allow(ctx, key, n, window)
	if err != nil {
		h.opt.Log.Warn("webform: the limiter is unavailable; allowing", "err", err)
		return true, 0
	}
	return ok, retry
}

// admit decides whether the address may file now: freely under its limit, with a solved
// challenge above it, never above the hard cap.
func (h *Handler) admit(ctx context.Context, addr, challenge, nonce string) error {
	l := h.opt.Limits
	if ok, _ := h.allow(ctx, "web:addr:"+addr, l.PerAddress, l.AddressWindow); ok {
		return nil
	}
	if challenge == "" {
		return tooMany{msg: "此网络提交过于频繁，请完成验证后再提交 (too many reports from this address: solve the challenge to go on)",
			retry: time.Second, challenge: true}
	}
	if err := h.verify(ctx, challenge, nonce); err != nil {
		return err
	}
	if ok, retry := h.allow(ctx, "web:hard:"+addr, l.HardPerAddress, l.HardWindow); !ok {
		return tooMany{msg: fmt.Sprintf("此网络一小时内最多提交 %d 件，请稍后再试 (at most %d reports an hour from one address)", l.HardPerAddress, l.HardPerAddress),
			retry: retry}
	}
	return nil
}
