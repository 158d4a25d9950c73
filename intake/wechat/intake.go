package wechat

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/courier"
)

// Actor is who the WeChat channel is in the case record: the system, filing what a citizen sent
// and recording the citizen's own answers.
var Actor = dispatcher.Actor{Login: "wechat", Name: "微信公众号", Role: dispatcher.System, Unit: dispatcher.CommandCentre}

// Times of the conversation.
const (
	// DraftTTL: text, location and photos sent within it, in any order, make one report.
	DraftTTL = 30 * time.Minute
	// ServiceWindow is how long after a citizen's last message WeChat lets the account write to
	// the citizen freely (客服消息); later, only a template message reaches the citizen.
	ServiceWindow = 48 * time.Hour
	// AskTTL is how long the follow-up question after closure waits for its answer.
	AskTTL = 7 * 24 * time.Hour
)

// Options are what the channel needs besides the service.
type Options struct {
	KV     dispatcher.KV     // conversations, claims, the access token: shared by every instance
	Outbox dispatcher.Outbox // photo downloads and notices owed, durable, sent by any instance
	API    *Client           // nil: no AppSecret configured, so no downloads and no notices
	// Templates are the bureau's template messages by notice kind (dispatched, resolved, closed...),
	// used when the citizen is outside the 48-hour window.
	Templates map[string]Template
	Log       *slog.Logger
	Now       func() time.Time
	// Poll is how often the outbox and the event log are looked at when nothing woke the worker.
	Poll time.Duration
	// RetryBase is the first pause after a failed download or notice, doubled after each further
	// failure up to 30 minutes (0: 5 s).
	RetryBase time.Duration
}

// Intake is the WeChat channel: the conversation that answers each message (Responder), and the
// workers that download photos and keep citizens informed.
type Intake struct {
	svc  *dispatcher.Service
	opt  Options
	log  *slog.Logger
	now  func() time.Time
	wake chan struct{}
	cpu  chan struct{} // photos being decoded at once: a core is always left for the answers

	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}

	followOnce sync.Once
	follower   *courier.Follower // the event log, for notices (notice.go)
}

var _ Responder = (*Intake)(nil)

// NewIntake returns the channel; Start runs its workers.
func NewIntake(svc *dispatcher.Service, opt Options) *Intake {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Poll <= 0 {
		opt.Poll = 2 * time.Second
	}
	if opt.RetryBase <= 0 {
		opt.RetryBase = retryBase
	}
	return &Intake{svc: svc, opt: opt, log: opt.Log, now: opt.Now, wake: make(chan struct{}, 1),
		cpu: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))}
}

// Respond answers one message of a citizen: the conversation. It never waits on WeChat's API.
func (in *Intake) Respond(ctx context.Context, m *Message) (Reply, error) {
	openID := m.FromUserName
	if openID == "" {
		return Reply{}, nil
	}
	if m.MsgType != "event" || m.Event != "unsubscribe" {
		in.touch(ctx, openID)
	}
	switch m.MsgType {
	case "event":
		return in.onEvent(ctx, m)
	case "text":
		return in.onText(ctx, openID, strings.TrimSpace(m.Content))
	case "voice":
		return in.onVoice(ctx, m)
	case "image", "video", "shortvideo":
		return in.onMedia(ctx, m)
	case "location":
		return in.onLocation(ctx, openID, m)
	case "link":
		return in.onDescription(ctx, openID, strings.TrimSpace(m.Title+" "+m.Description+" "+m.URL))
	}
	return Reply{Text: textUnsupported}, nil
}

func (in *Intake) onEvent(ctx context.Context, m *Message) (Reply, error) {
	switch m.Event {
	case "subscribe":
		return Reply{Text: fmt.Sprintf(textWelcome, in.svc.Reference().Authority)}, nil
	case "unsubscribe":
		return Reply{}, in.forget(ctx, m.FromUserName)
	case "LOCATION":
		return Reply{}, in.hint(ctx, m)
	case "CLICK":
		return in.onMenu(ctx, m.FromUserName, m.EventKey)
	}
	return Reply{}, nil // VIEW, SCAN...: nothing to say
}

func (in *Intake) onMenu(ctx context.Context, openID, key string) (Reply, error) {
	switch key {
	case KeyReport:
		return Reply{Text: textHowToReport}, nil
	case KeyTrack:
		return in.listOwnCases(ctx, openID)
	}
	return Reply{Text: textHelp}, nil
}

// onText reads the commands first (确认, 取消, 查询, 帮助, an answer by number), then takes the
// text as the description of the problem.
func (in *Intake) onText(ctx context.Context, openID, text string) (Reply, error) {
	switch {
	case text == "":
		return Reply{Text: textHelp}, nil
	case isConfirm(text):
		return in.confirm(ctx, openID)
	case text == "取消" || text == "重新开始":
		return Reply{Text: textCancelled}, in.forget(ctx, openID)
	case text == "帮助" || text == "?" || text == "？":
		return Reply{Text: textHelp}, nil
	case text == "当前位置":
		return in.useHint(ctx, openID)
	case strings.HasPrefix(text, "同一"):
		return in.joinSame(ctx, openID, strings.TrimSpace(strings.TrimPrefix(text, "同一")))
	case strings.HasPrefix(text, "查询"):
		return in.track(ctx, openID, strings.TrimSpace(strings.TrimPrefix(text, "查询")))
	}
	if reply, handled, err := in.answer(ctx, openID, text); handled || err != nil {
		return reply, err
	}
	return in.onDescription(ctx, openID, text)
}

func isConfirm(text string) bool {
	switch strings.TrimRight(text, "!！。. ") {
	case "确认", "确定", "确认提交":
		return true
	}
	return false
}

// onVoice takes WeChat's speech recognition as text when the account has it switched on; a voice
// note without it cannot be read by anyone at the centre in time, so the citizen is asked to type.
func (in *Intake) onVoice(ctx context.Context, m *Message) (Reply, error) {
	if text := strings.TrimSpace(m.Recognition); text != "" {
		return in.onText(ctx, m.FromUserName, text)
	}
	return Reply{Text: textVoiceUnreadable}, nil
}
