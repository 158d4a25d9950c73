package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"cityhub/dispatcher"
)

// listOwnCases answers 查询: the citizen's latest cases, open ones first in the hub's order.
func (in *Intake) listOwnCases(ctx context.Context, openID string) (Reply, error) {
	page, err := in.svc.Cases(ctx, Actor, dispatcher.CaseFilter{OpenID: openID, Newest: true, Limit: 10})
	if err != nil {
		return Reply{}, err
	}
	if len(page.Cases) == 0 {
		return Reply{Text: textNoCases}, nil
	}
	var b strings.Builder
	b.WriteString("您最近的举报：")
	for _, c := range page.Cases {
		cat, _ := in.svc.Category(c.Category)
		fmt.Fprintf(&b, "\n%s %s：%s", c.Number, cat.Name, citizenState(c))
	}
	b.WriteString("\n回复“查询 案件编号”查看一件的详情。")
	return Reply{Text: b.String()}, nil
}

// track answers 查询 with or without a case number. A number that is not one of the citizen's
// own cases is answered exactly as one that does not exist.
func (in *Intake) track(ctx context.Context, openID, number string) (Reply, error) {
	if number == "" {
		return in.listOwnCases(ctx, openID)
	}
	c, err := in.svc.CaseByNumber(ctx, Actor, strings.ToUpper(number))
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound || (err == nil && c.Reporter.OpenID != openID) {
		return Reply{Text: fmt.Sprintf(textCaseNotFound, truncateRunes(number, 40))}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: in.caseStatus(c)}, nil
}

func (in *Intake) caseStatus(c *dispatcher.Case) string {
	cat, _ := in.svc.Category(c.Category)
	var b strings.Builder
	fmt.Fprintf(&b, "案件 %s\n类别：%s\n受理时间：%s\n状态：%s", c.Number, cat.Name,
		c.CreatedAt.In(in.svc.Calendar().Location()).Format("2006-01-02 15:04"), citizenState(c))
	if unit, ok := in.svc.Unit(c.Unit); ok && c.Unit != "" {
		fmt.Fprintf(&b, "\n承办单位：%s", unit.Name)
	}
	if c.Satisfaction != "" {
		fmt.Fprintf(&b, "\n您的评价：%s", satisfactionLabels[c.Satisfaction])
	}
	return b.String()
}

// citizenState says where a case stands in the words a citizen uses; the centre's internal
// steps (verifying, checking...) are not the citizen's concern.
func citizenState(c *dispatcher.Case) string {
	switch c.State {
	case dispatcher.Received, dispatcher.Verifying, dispatcher.Registered:
		return "已受理，正在安排"
	case dispatcher.Dispatched, dispatcher.InProgress, dispatcher.Suspended:
		return "处理中"
	case dispatcher.Resolved, dispatcher.Checking:
		return "已处理，正在核查"
	case dispatcher.Closed, dispatcher.Answered:
		if c.Review == dispatcher.ReviewPending {
			return "已办结，复核中"
		}
		return "已办结"
	case dispatcher.Transferred:
		return "已移交相关部门"
	case dispatcher.Merged:
		return "已与同一问题的举报合并办理（" + c.MergedInto + "）"
	}
	return dispatcher.StateLabel(c.State)
}

var satisfactionLabels = map[string]string{"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}

// The follow-up question after closure: its answers by number.
var ratings = map[int]string{1: "satisfied", 2: "basically_satisfied", 3: "dissatisfied"}

// question is the follow-up question waiting for the citizen's answer, kept under askKey.
type question struct {
	CaseID int64  `json:"case_id"`
	Number string `json:"number"`
}

func askKey(openID string) string { return "wechat:ask:" + openID }

// answer takes a number or a rating word as the answer to what the account last asked: the
// category of the draft, or the follow-up question. handled is false when the text is neither.
func (in *Intake) answer(ctx context.Context, openID, text string) (Reply, bool, error) {
	n, isNumber := number(text)
	rating := ""
	if isNumber {
		rating = ratings[n]
	} else if r, ok := ratingWords[text]; ok {
		rating = r
	}
	if !isNumber && rating == "" {
		return Reply{}, false, nil
	}
	if isNumber {
		if reply, chose, err := in.chooseCategory(ctx, openID, n); chose || err != nil {
			return reply, true, err
		}
	}
	if rating != "" {
		if reply, rated, err := in.rate(ctx, openID, rating); rated || err != nil {
			return reply, true, err
		}
	}
	if isNumber {
		return Reply{Text: textHelp}, true, nil
	}
	return Reply{}, false, nil
}

var ratingWords = map[string]string{"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "dissatisfied"}

// number reads "1", "１" or "1." as a small number.
func number(text string) (int, bool) {
	text = strings.TrimRight(strings.Map(fullwidthDigit, text), ".。、")
	n, err := strconv.Atoi(text)
	return n, err == nil && n >= 0 && n < 1000
}

func fullwidthDigit(r rune) rune {
	if r >= '０' && r <= '９' {
		return '0' + (r - '０')
	}
	return r
}

func (in *Intake) chooseCategory(ctx context.Context, openID string, n int) (Reply, bool, error) {
	chose := false
	reply, err := in.editDraft(ctx, openID, func(d *draft) (Reply, error) {
		r, ok := in.answerChoice(d, n)
		chose = ok
		return r, nil
	})
	return reply, chose, err
}

// rate records the citizen's answer to the follow-up question as the case's satisfaction; the
// service counts one satisfaction per case and opens the shift leader's review on 不满意.
func (in *Intake) rate(ctx context.Context, openID, rating string) (Reply, bool, error) {
	e, err := in.opt.KV.KVGet(ctx, askKey(openID))
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		return Reply{}, false, nil
	}
	if err != nil {
		return Reply{}, false, err
	}
	var q question
	if json.Unmarshal(e.Value, &q) != nil {
		return Reply{}, false, nil
	}
	_, err = in.svc.Act(ctx, Actor, q.CaseID, dispatcher.ActionRequest{Action: dispatcher.ActFollowUp,
		Satisfaction: rating, Text: "市民通过微信公众号评价"})
	if dispatcher.ErrorCode(err) == dispatcher.EConflict || dispatcher.ErrorCode(err) == dispatcher.EForbidden {
		_ = in.opt.KV.KVDelete(ctx, askKey(openID), e.Rev)
		return Reply{Text: fmt.Sprintf("案件 %s 已在重新办理，办结后会再请您评价。", q.Number)}, true, nil
	}
	if err != nil {
		return Reply{}, true, err
	}
	_ = in.opt.KV.KVDelete(ctx, askKey(openID), e.Rev)
	if rating == "dissatisfied" {
		return Reply{Text: textRatedBad}, true, nil
	}
	return Reply{Text: textRated}, true, nil
}
