package hotline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/signing"
)

const (
	// MaxBody bounds a call event.
	MaxBody = 16 << 10
	// Skew is how far a timestamp may be from the hub's clock.
	Skew = 5 * time.Minute
	// replayTTL keeps a signature long enough to cover any timestamp still accepted.
	replayTTL = 2 * Skew
)

// Handler serves POST /intake/hotline/calls.
type Handler struct {
	svc     *dispatcher.Service
	secret  []byte
	kv      dispatcher.KV
	signals dispatcher.Signals
	log     *slog.Logger
	now     func() time.Time
}

// Options configure the handler.
type Options struct {
	Secret  string             // the shared secret; empty: every request is refused
	KV      dispatcher.KV      // where signatures are remembered (shared by the instances)
	Signals dispatcher.Signals // where a ringing call is announced to the agent's consoles
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
}

// New returns the handler.
func New(svc *dispatcher.Service, opt Options) *Handler {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Handler{svc: svc, secret: []byte(opt.Secret), kv: opt.KV, signals: opt.Signals, log: opt.Log, now: opt.Now}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "只接受 POST (POST only)"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "请求体过大或读取失败 (body too large or unreadable)"})
		return
	}
	release, err := h.authenticate(r.Context(), r.Header, body)
	var refused refusal
	switch {
	case errors.As(err, &refused):
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": err.Error()})
		return
	case err != nil: // the shared KV is down: not the sender's fault, so it should send again
		h.log.Warn("hotline: checking a call event for replay", "err", err)
		w.Header().Set("Retry-After", "2")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "暂时无法校验请求，请重试 (the request cannot be checked now; retry)"})
		return
	}
	call, status, err := h.record(r.Context(), body)
	if err != nil {
		if status >= 500 {
			release() // the telephone system may send it again
			h.log.Warn("hotline: recording a call event", "err", err)
		}
		writeJSON(w, status, map[string]string{"error": dispatcher.ErrorMessage(err), "field": dispatcher.ErrorField(err)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"call": call})
}

// refusal is why a request is refused (401), in the channel's words.
type refusal string

func (r refusal) Error() string { return string(r) }

// authenticate checks the timestamp and the signature, then claims the signature so that the same
// request is not taken twice; release gives the claim back.
func (h *Handler) authenticate(ctx context.Context, hd http.Header, body []byte) (release func(), err error) {
	if len(h.secret) == 0 {
		return nil, refusal("未配置呼叫中心密钥 (no hotline secret is configured)")
	}
	ts := hd.Get(signing.TimestampHeader)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, refusal("缺少或无效的时间戳 X-Cityhub-Timestamp (missing or malformed timestamp)")
	}
	if d := h.now().Sub(time.Unix(sec, 0)); d > Skew || d < -Skew {
		return nil, refusal("时间戳过期 (stale timestamp: more than 5 minutes from the hub's clock)")
	}
	sig := hd.Get(signing.SignatureHeader)
	if !signing.Valid(string(h.secret), ts, body, sig) {
		return nil, refusal("签名不符 (bad signature)")
	}
	key := "hotline:sig:" + strings.TrimPrefix(sig, "sha256=")
	rev, err := h.kv.KVPut(ctx, key, []byte{1}, 0, replayTTL)
	if dispatcher.ErrorCode(err) == dispatcher.EConflict {
		return nil, refusal("重复的请求 (replayed request)")
	}
	if err != nil {
		return nil, err
	}
	return func() { _ = h.kv.KVDelete(context.WithoutCancel(ctx), key, rev) }, nil
}

// record applies the event to the call log and, for a new ringing call, pops it on the agent's
// consoles.
func (h *Handler) record(ctx context.Context, body []byte) (*dispatcher.Call, int, error) {
	var ev dispatcher.CallEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil || dec.More() {
		return nil, http.StatusBadRequest, dispatcher.FieldError("body", "请求体须为通话事件 JSON (the body must be a call event in JSON)")
	}
	call, changed, err := h.svc.RecordCallEvent(ctx, ev)
	if err != nil {
		status := http.StatusServiceUnavailable
		if dispatcher.ErrorCode(err) == dispatcher.EInvalid {
			status = http.StatusBadRequest
		}
		return nil, status, err
	}
	if changed && ev.Event == dispatcher.CallRinging && h.signals != nil && call.Agent != "" {
		msg, _ := json.Marshal(call)
		if err := h.signals.Signal(ctx, dispatcher.CallTopic(call.Agent), msg); err != nil {
			h.log.Warn("hotline: the pop could not be signalled", "call", call.ID, "err", err)
		}
	}
	return call, http.StatusOK, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
