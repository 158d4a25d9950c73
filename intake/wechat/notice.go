package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cityhub/dispatcher"
	"cityhub/internal/courier"
)

// Template is one of the bureau's template messages (模板消息), sent when the citizen has not
// written for 48 hours. Data maps the template's fields to text with placeholders: {number},
// {category}, {state}, {unit}, {time}, {text} (the notice itself), {reason}.
type Template struct {
	ID   string            `json:"id"`
	URL  string            `json:"url,omitempty"`
	Data map[string]string `json:"data,omitempty"`
}

// noticeKinds: the events a citizen hears of, by the notice they make.
var noticeKinds = map[string]string{
	"case.dispatched": "dispatched", "case.arbitrated": "dispatched", "case.transferred": "transferred",
	"case.resolved": "resolved", "case.closed": "closed", "case.replied": "closed", "case.answered": "answered",
	"case.rejected": "rejected", "case.merged": "merged", "case.review_upheld": "upheld", "case.reopened": "reopened",
}

// CheckTemplates refuses a template for a kind of notice there is none of, or without its id.
func CheckTemplates(t map[string]Template) error {
	known := map[string]bool{}
	for _, kind := range noticeKinds {
		known[kind] = true
	}
	for kind, tpl := range t {
		if !known[kind] {
			return fmt.Errorf("未知的通知类型 %q (unknown notice kind %q)", kind, kind)
		}
		if tpl.ID == "" {
			return fmt.Errorf("%s 缺少模板 id (the %s template has no id)", kind, kind)
		}
	}
	return nil
}

const cursorKey = "wechat:notice:cursor"

// followEvents queues the notices the new events owe WeChat citizens (see notices), once whichever
// instance sees them first.
func (in *Intake) followEvents(ctx context.Context) error {
	in.followOnce.Do(func() {
		in.follower = &courier.Follower{Key: cursorKey, KV: in.opt.KV, Outbox: in.opt.Outbox, Events: in.svc, Actor: Actor,
			Owed: in.notices, Now: in.now}
	})
	return in.follower.Follow(ctx)
}

// notices are the items the events owe: every notice to the citizen who filed a WeChat case, and
// the closure to every other WeChat citizen who reported the same problem (a report joined to the
// case, or a case merged into it), whatever channel the case came by.
func (in *Intake) notices(ctx context.Context, evs []*dispatcher.Event) ([]dispatcher.OutboxItem, error) {
	var items []dispatcher.OutboxItem
	for _, ev := range evs {
		kind, ok := noticeKinds[ev.Type]
		if !ok {
			continue
		}
		key := "wechat:event:" + strconv.FormatInt(ev.ID, 10)
		if ev.Summary.Channel == dispatcher.ChannelWeChat {
			items = append(items, in.noticeItem(ev, kind, "", key))
		}
		if kind != "closed" {
			continue
		}
		others, err := in.otherReporters(ctx, ev.CaseID)
		if err != nil {
			return nil, err
		}
		for _, openID := range others {
			items = append(items, in.noticeItem(ev, kind, openID, key+":"+openID))
		}
	}
	return items, nil
}

func (in *Intake) noticeItem(ev *dispatcher.Event, kind, openID, key string) dispatcher.OutboxItem {
	j := job{Kind: kind, OpenID: openID, Number: ev.Summary.Number, EventID: ev.ID, Reason: ev.Reason}
	b, _ := json.Marshal(j)
	return dispatcher.OutboxItem{Key: key, Channel: outboxNotice, CaseID: ev.CaseID, Payload: b,
		NextAt: in.now(), CreatedAt: in.now()}
}

// otherReporters are the OpenIDs of the case's WeChat reporters besides its first reporter.
func (in *Intake) otherReporters(ctx context.Context, caseID int64) ([]string, error) {
	rs, err := in.svc.Reporters(ctx, Actor, caseID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rs[min(1, len(rs)):] {
		if r.Channel == dispatcher.ChannelWeChat && r.Contact.OpenID != "" && !slices.Contains(out, r.Contact.OpenID) &&
			r.Contact.OpenID != rs[0].Contact.OpenID {
			out = append(out, r.Contact.OpenID)
		}
	}
	return out, nil
}

// deliver sends one notice: as a customer-service message while the citizen is in the 48-hour
// window, else as the bureau's template for that kind. After closure it asks the follow-up
// question and remembers it for the answer.
func (in *Intake) deliver(ctx context.Context, j job) error {
	c, err := in.svc.CaseByNumber(ctx, Actor, j.Number)
	if err != nil {
		return err
	}
	if j.OpenID != "" { // another reporter of the same problem: told of the closure, not asked
		return in.send(ctx, j.OpenID, j, c, in.sameProblemText(c))
	}
	openID := c.Reporter.OpenID
	if openID == "" {
		return nil
	}
	text := in.noticeText(j, c)
	if err := in.send(ctx, openID, j, c, text); err != nil {
		return err
	}
	if j.Kind == "closed" || j.Kind == "answered" {
		return in.ask(ctx, openID, c)
	}
	return nil
}

func (in *Intake) send(ctx context.Context, openID string, j job, c *dispatcher.Case, text string) error {
	if in.inServiceWindow(ctx, openID) {
		err := in.opt.API.SendText(ctx, openID, text)
		if !OutsideServiceWindow(err) {
			return err
		}
	}
	t, ok := in.opt.Templates[j.Kind]
	if !ok || t.ID == "" {
		return permanent{fmt.Errorf("市民已超过 48 小时未互动，且未配置“%s”模板消息 (outside the 48-hour window and no template for %s)", j.Kind, j.Kind)}
	}
	return in.opt.API.SendTemplate(ctx, openID, t.ID, t.URL, in.templateData(t, j, c, text))
}

// ask remembers the follow-up question so that the citizen's next 1, 2 or 3 answers it.
func (in *Intake) ask(ctx context.Context, openID string, c *dispatcher.Case) error {
	b, _ := json.Marshal(question{CaseID: c.ID, Number: c.Number})
	for {
		e, err := in.opt.KV.KVGet(ctx, askKey(openID))
		if err != nil && dispatcher.ErrorCode(err) != dispatcher.ENotFound {
			return err
		}
		_, err = in.opt.KV.KVPut(ctx, askKey(openID), b, e.Rev, AskTTL)
		if dispatcher.ErrorCode(err) != dispatcher.EConflict {
			return err
		}
	}
}

const textQuestion = "\n请对办理结果评价，回复数字：\n1 满意\n2 基本满意\n3 不满意"

func (in *Intake) noticeText(j job, c *dispatcher.Case) string {
	cat, _ := in.svc.Category(c.Category)
	head := fmt.Sprintf("您举报的“%s”（案件 %s）", cat.Name, c.Number)
	switch j.Kind {
	case "dispatched":
		return head + "已派至" + in.unitName(c.Unit) + "处理。"
	case "transferred":
		return head + "属于" + in.unitName(c.Unit) + "职责，已移交其办理。"
	case "resolved":
		return head + "已处理完毕，正在核查。"
	case "closed", "answered":
		return head + "已办结。" + textQuestion
	case "rejected":
		return head + "未予立案：" + j.Reason
	case "merged":
		return head + "与同一问题的案件 " + c.MergedInto + " 合并办理。"
	case "upheld":
		return head + "经值班长复核，维持办结：" + j.Reason
	case "reopened":
		return head + "已重新办理，办结后会再通知您。"
	}
	return head + "状态：" + citizenState(c)
}

// sameProblemText tells a citizen whose report was joined or merged into the case that it closed.
func (in *Intake) sameProblemText(c *dispatcher.Case) string {
	cat, _ := in.svc.Category(c.Category)
	return fmt.Sprintf("您反映的“%s”问题与案件 %s 为同一问题，已合并办理，现已办结。感谢您的反映！", cat.Name, c.Number)
}

func (in *Intake) unitName(code string) string {
	if u, ok := in.svc.Unit(code); ok {
		return u.Name
	}
	return "承办单位"
}

// templateData fills the template's fields; a template that names none gets the usual four.
func (in *Intake) templateData(t Template, j job, c *dispatcher.Case, text string) map[string]string {
	cat, _ := in.svc.Category(c.Category)
	when := in.now().In(in.svc.Calendar().Location()).Format("2006-01-02 15:04")
	r := strings.NewReplacer("{number}", c.Number, "{category}", cat.Name, "{state}", citizenState(c),
		"{unit}", in.unitName(c.Unit), "{time}", when, "{text}", text, "{reason}", j.Reason)
	spec := t.Data
	if len(spec) == 0 {
		spec = map[string]string{"first": "{text}", "keyword1": "{number}", "keyword2": "{state}", "keyword3": "{time}"}
	}
	out := make(map[string]string, len(spec))
	for k, v := range spec {
		out[k] = r.Replace(v)
	}
	return out
}
