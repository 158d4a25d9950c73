package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/courier"
)

// Actor is who the SMS channel is when it reads cases: the system.
var Actor = dispatcher.Actor{Login: "sms", Name: "短信通知", Role: dispatcher.System, Unit: dispatcher.CommandCentre}

const (
	outboxChannel = "sms:notice"
	cursorKey     = "sms:notice:cursor"
	lease         = 2 * time.Minute
	batch         = 16
)

// Retry policy: 5 s, 10 s, 20 s... at most 30 minutes apart, for about a day.
var retry = courier.Retry{Base: 5 * time.Second, Max: 30 * time.Minute, Attempts: 12}

// closures are the events that tell reporters their case is finished.
var closures = map[string]bool{"case.closed": true, "case.replied": true}

// byText are the channels whose reporters are told by text message: those who left a phone as
// their way back (WeChat citizens hear in WeChat, Open311 clients read their feed).
var byText = map[string]bool{dispatcher.ChannelHotline: true, dispatcher.ChannelWeb: true}

// Options configure the notifier.
type Options struct {
	Gateway  Gateway // nil: no gateway, every message is given up with that reason
	KV       dispatcher.KV
	Outbox   dispatcher.Outbox
	Sign     string // the signature carriers require at the head of a text, e.g. 【綦江城管】
	TrackURL string // the public /track page, named in the text ("" leaves it out)
	Poll     time.Duration
	Now      func() time.Time
	Log      *slog.Logger
	Retry    courier.Retry // zero: 5 s doubling to 30 minutes, 12 attempts
}

// Notifier queues and sends the closure texts.
type Notifier struct {
	svc        *dispatcher.Service
	opt        Options
	mu         sync.Mutex
	stop       context.CancelFunc
	done       chan struct{}
	workRounds sync.Mutex
	follower   *courier.Follower
}

// New returns a notifier; Start runs it.
func New(svc *dispatcher.Service, opt Options) *Notifier {
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Retry == (courier.Retry{}) {
		opt.Retry = retry
	}
	n := &Notifier{svc: svc, opt: opt}
	n.follower = &courier.Follower{Key: cursorKey, KV: opt.KV, Outbox: opt.Outbox, Events: svc, Actor: Actor,
		Owed: n.owed, Now: opt.Now}
	return n
}

// notice is the payload of an outbox item: which reporter of which case, never the number.
type notice struct {
	Kind    string `json:"kind"`   // "closed"
	Number  string `json:"number"` // the case that closed
	Source  string `json:"source"` // the case the reporter is kept in: Number, or one merged into it
	Seq     int    `json:"seq"`    // the reporter in Source: 0 its first, then its joined reports
	EventID int64  `json:"event_id"`
}

// owed lists a text for each reporter by phone of each case the events close, one per number.
func (n *Notifier) owed(ctx context.Context, evs []*dispatcher.Event) ([]dispatcher.OutboxItem, error) {
	var items []dispatcher.OutboxItem
	for _, ev := range evs {
		if !closures[ev.Type] {
			continue
		}
		rs, err := n.svc.Reporters(ctx, Actor, ev.CaseID)
		if err != nil {
			return nil, err
		}
		told := map[string]bool{}
		for _, r := range rs {
			if !byText[r.Channel] || r.Contact.Phone == "" || told[r.Contact.Phone] {
				continue
			}
			told[r.Contact.Phone] = true
			items = append(items, n.item(ev, r))
		}
	}
	return items, nil
}

func (n *Notifier) item(ev *dispatcher.Event, r dispatcher.CaseReporter) dispatcher.OutboxItem {
	p := notice{Kind: "closed", Number: ev.Summary.Number, Source: r.Case, Seq: r.Seq, EventID: ev.ID}
	b, _ := json.Marshal(p)
	key := "sms:closed:" + strconv.FormatInt(ev.ID, 10) + ":" + r.Case + ":" + strconv.Itoa(r.Seq)
	return dispatcher.OutboxItem{Key: key, Channel: outboxChannel, CaseID: ev.CaseID, Payload: b,
		NextAt: n.opt.Now(), CreatedAt: n.opt.Now()}
}

// deliver sends one text, the phone read from the case at the moment of sending.
func (n *Notifier) deliver(ctx context.Context, it dispatcher.OutboxItem) error {
	var p notice
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		return courier.Permanent(err)
	}
	if n.opt.Gateway == nil {
		return courier.Permanent(errors.New("未配置短信网关 (no SMS gateway configured)"))
	}
	c, err := n.svc.CaseByNumber(ctx, Actor, p.Number)
	if err != nil {
		return err
	}
	phone, err := n.phone(ctx, p)
	if err != nil {
		return err
	}
	return n.opt.Gateway.Send(ctx, Message{To: phone, Text: n.text(c, p), Ref: it.Key})
}

// phone is the reporter's number as the source case keeps it.
func (n *Notifier) phone(ctx context.Context, p notice) (string, error) {
	src, err := n.svc.CaseByNumber(ctx, Actor, p.Source)
	if err != nil {
		return "", err
	}
	if p.Seq == 0 {
		return src.Reporter.Phone, nil
	}
	for _, r := range src.Reports {
		if r.Seq == p.Seq {
			return r.Reporter.Phone, nil
		}
	}
	return "", courier.Permanent(fmt.Errorf("案件 %s 没有第 %d 份反映 (case %s has no report %d)", p.Source, p.Seq, p.Source, p.Seq))
}

// text is the message: the case, that it closed, and where to read more.
func (n *Notifier) text(c *dispatcher.Case, p notice) string {
	cat, _ := n.svc.Category(c.Category)
	var s string
	if p.Source == c.Number && p.Seq == 0 {
		s = fmt.Sprintf("%s您反映的“%s”问题（案件 %s）已办结，感谢您的监督。", n.opt.Sign, cat.Name, c.Number)
	} else {
		s = fmt.Sprintf("%s您反映的“%s”问题已与案件 %s 合并办理，现已办结，感谢您的监督。", n.opt.Sign, cat.Name, c.Number)
	}
	if n.opt.TrackURL != "" {
		s += "进度查询：" + n.opt.TrackURL
	}
	return s
}

// Round follows the event log and sends what is due; a failure is logged and tried again on the
// next round. Start calls it every Poll; tests call it directly.
func (n *Notifier) Round(ctx context.Context) {
	n.workRounds.Lock()
	defer n.workRounds.Unlock()
	if err := n.follower.Follow(ctx); err != nil && ctx.Err() == nil {
		n.opt.Log.Warn("sms: following the event log", "err", err)
	}
	courier.Worker{Outbox: n.opt.Outbox, Channel: outboxChannel, Batch: batch, Lease: lease, Retry: n.opt.Retry,
		Independent: true, Now: n.opt.Now, Log: n.opt.Log, Do: n.deliver}.Work(ctx)
}

// Start runs rounds until Close.
func (n *Notifier) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	n.mu.Lock()
	n.stop, n.done = cancel, make(chan struct{})
	n.mu.Unlock()
	go func() {
		defer close(n.done)
		t := time.NewTicker(n.opt.Poll)
		defer t.Stop()
		for {
			n.Round(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Close stops the rounds and waits for the one under way.
func (n *Notifier) Close() {
	n.mu.Lock()
	stop, done := n.stop, n.done
	n.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}
