package wechat

import (
	"strings"
	"testing"

	"cityhub/dispatcher"
)

// A second citizen reporting the same stall sees the open case with the summary and answers
// "同一": the report joins that case (no second case, two reporters), a retry of the answer
// changes nothing, and the citizen finds the case among their own with 查询. "确认" would still
// have filed a case of its own.
func TestSameProblemJoinsTheOpenCase(t *testing.T) {
	f := newConvFixture(t)
	first := f.file("oFirstCitizen")
	f.say("oSecond", "人行道上有流动摊贩，又来了")
	summary := f.locate("oSecond", dist50m(guNan), "沿河路")
	if !strings.Contains(summary, "附近已有同类问题") || !strings.Contains(summary, first.Number) || !strings.Contains(summary, "回复“同一”") {
		t.Fatalf("summary without the open case nearby:\n%s", summary)
	}
	if strings.Contains(summary, "oFirstCitizen") {
		t.Fatalf("the summary names the other citizen:\n%s", summary)
	}
	reply := f.say("oSecond", "同一")
	if !strings.Contains(reply, "已并入案件 "+first.Number) || !strings.Contains(reply, "第 2 位") {
		t.Fatalf("reply to 同一: %q", reply)
	}
	if again := f.say("oSecond", "同一"); !strings.Contains(again, first.Number) || !strings.Contains(again, "已提交") {
		t.Fatalf("a second 同一: %q", again)
	}
	c, err := f.svc.CaseByNumber(f.ctx, Actor, first.Number)
	if err != nil || c.ReporterCount() != 2 || c.Reports[0].Reporter.OpenID != "oSecond" || c.Reports[0].Channel != dispatcher.ChannelWeChat {
		t.Fatalf("case after the join: %+v, %v", c.Reports, err)
	}
	if mine := f.casesOf("oSecond"); len(mine) != 1 || mine[0].ID != first.ID {
		t.Fatalf("the second citizen's own cases: %d", len(mine))
	}
	if list := f.say("oSecond", "查询"); !strings.Contains(list, first.Number) {
		t.Fatalf("查询 does not list the joined case: %q", list)
	}
}

// "同一 N" picks among several; a number out of range shows the list again and files nothing.
func TestSameProblemPickByNumber(t *testing.T) {
	if n, ok := pickSame([]string{"A", "B"}, "2"); !ok || n != "B" {
		t.Fatalf("同一 2 of two: %q %v", n, ok)
	}
	for _, pick := range []string{"", "3", "0", "x"} {
		if _, ok := pickSame([]string{"A", "B"}, pick); ok {
			t.Errorf("同一 %q of two was taken", pick)
		}
	}
	if n, ok := pickSame([]string{"A"}, ""); !ok || n != "A" {
		t.Fatalf("同一 of one: %q %v", n, ok)
	}
	f := newConvFixture(t)
	f.file("oFirstCitizen")
	f.say("oSecond", "人行道上有流动摊贩")
	f.locate("oSecond", guNan, "沿河路")
	if reply := f.say("oSecond", "同一 9"); !strings.Contains(reply, "附近已有同类问题") {
		t.Fatalf("同一 9: %q", reply)
	}
	if cases := f.casesOf("oSecond"); len(cases) != 0 {
		t.Fatalf("同一 9 filed %d cases", len(cases))
	}
}

// dist50m is p moved about 50 m north.
func dist50m(p dispatcher.Point) dispatcher.Point {
	return dispatcher.Point{Lat: p.Lat + 50.0/111_195, Lng: p.Lng}
}
