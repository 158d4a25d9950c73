package wechat

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// The same problem, reported again: with the summary of a complete report, the citizen sees the
// open cases of the same category within 250 m (dispatcher.Candidates, nothing personal) and may
// answer "同一 N" to be counted as one more reporter of case N instead of filing a second case.
// "确认" still files a case of its own.

// offerSame lists the candidates after the summary and remembers them on the draft; "" when there
// are none (or they cannot be read now: the citizen may still file).
func (in *Intake) offerSame(d *draft) string {
	d.Same = nil
	if !d.complete() {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	found, err := in.svc.Candidates(ctx, d.Location.Point, d.Category)
	if err != nil || len(found) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n\n附近已有同类问题正在办理，是其中之一吗？")
	for i, c := range found {
		d.Same = append(d.Same, c.Number)
		fmt.Fprintf(&b, "\n%d. %s，相距 %.0f 米，%s，已有 %d 人反映", i+1, c.Number, c.DistanceM, c.StateLabel, c.Reporters)
		if c.Text != "" {
			fmt.Fprintf(&b, "：%s", truncateRunes(c.Text, 30))
		}
	}
	if len(found) == 1 {
		b.WriteString("\n是同一问题请回复“同一”，将并入该案一并办理；不是请回复“确认”另行提交。")
	} else {
		b.WriteString("\n是同一问题请回复“同一 序号”（如“同一 1”），将并入该案一并办理；都不是请回复“确认”另行提交。")
	}
	return b.String()
}

// joinSame files the draft as one more report of the case the citizen picked among those offered.
func (in *Intake) joinSame(ctx context.Context, openID, pick string) (Reply, error) {
	return in.editDraft(ctx, openID, func(d *draft) (Reply, error) {
		if d.Filed != "" {
			return Reply{Text: fmt.Sprintf(textAlreadyFiled, d.Filed)}, nil
		}
		if !d.complete() {
			return in.nextStep(d), nil
		}
		number, ok := pickSame(d.Same, pick)
		if !ok {
			return Reply{Text: in.summary(d) + in.offerSame(d)}, nil
		}
		cmp := in.complaint(openID, d)
		cmp.JoinCase = number
		res, err := in.svc.Submit(ctx, Actor, cmp)
		if err != nil {
			return in.refused(err)
		}
		d.Filed = res.Case.Number
		return Reply{Text: in.joinedText(res.Case, d)}, nil
	})
}

// pickSame reads "同一" (when one case was offered) or "同一 N".
func pickSame(same []string, pick string) (string, bool) {
	if pick == "" && len(same) == 1 {
		return same[0], true
	}
	n, err := strconv.Atoi(strings.TrimSpace(pick))
	if err != nil || n < 1 || n > len(same) {
		return "", false
	}
	return same[n-1], true
}

func (in *Intake) joinedText(c *dispatcher.Case, d *draft) string {
	text := fmt.Sprintf("已并入案件 %s 一并办理，您是第 %d 位反映此问题的市民。\n办结时会在这里通知您；回复“查询 %[1]s”随时查看。",
		c.Number, c.ReporterCount())
	if n := d.pendingPhotos(); n > 0 {
		text += fmt.Sprintf("\n还有 %d 个照片/视频正在接收，收到后将附入案件。", n)
	}
	return text
}
