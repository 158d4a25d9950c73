package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"cityhub/dispatcher"
)

// caseRun files one report and takes it some way through its lifecycle on the worker's clock.
type caseRun struct {
	w   *world
	svc *dispatcher.Service
	clk *fakeClock
	rng *rand.Rand
	end time.Time
	c   *dispatcher.Case
}

// errLater ends a lifecycle whose next step would come after the end time: the case stays open
// where it is, as the recent cases of a real store are.
var errLater = fmt.Errorf("later")

// channels and their weights (of 100).
var channels = []struct {
	name   string
	weight int
}{
	{dispatcher.ChannelHotline, 40}, {dispatcher.ChannelWeChat, 25}, {dispatcher.ChannelWeb, 12},
	{dispatcher.ChannelOpen311, 8}, {dispatcher.ChannelInspector, 15},
}

var texts = []string{"占道经营，影响通行", "乱堆乱放，请尽快处理", "施工噪音扰民", "道路扬尘严重",
	"违规张贴小广告", "垃圾未及时清运", "车辆乱停放堵塞消防通道", "店外晾晒影响市容"}

func (r *caseRun) seed(ctx context.Context, at time.Time) error {
	r.clk.Set(at)
	cmp, actor := r.complaint()
	var res dispatcher.SubmitResult
	var err error
	for try := 0; try < 3; try++ {
		if res, err = r.svc.Submit(ctx, actor, cmp); dispatcher.ErrorCode(err) != dispatcher.EOutside {
			break
		}
		cmp.Location = location(r.w.point(r.rng)) // outside the district: another point
	}
	if err != nil {
		return err
	}
	r.c = res.Case
	if err := r.lifecycle(ctx); err != nil && err != errLater {
		return fmt.Errorf("%s (%s, %s): %w", r.c.Number, r.c.State, r.c.Owner, err)
	}
	return nil
}

// complaint is a report on a channel drawn by weight, in any category, and the actor filing it.
func (r *caseRun) complaint() (dispatcher.Complaint, dispatcher.Actor) {
	ch := r.channel()
	cmp := dispatcher.Complaint{Channel: ch, Category: r.w.cats[r.rng.IntN(len(r.w.cats))],
		Text: texts[r.rng.IntN(len(texts))], Location: location(r.w.point(r.rng))}
	if r.rng.IntN(25) == 0 && ch != dispatcher.ChannelInspector {
		cmp.Nature = "inquiry"
	}
	if ch != dispatcher.ChannelInspector && r.rng.IntN(3) > 0 {
		cmp.Reporter = dispatcher.Contact{Name: "市民", Phone: fmt.Sprintf("138%08d", r.rng.IntN(100_000_000))}
	}
	return cmp, r.intakeActor(ch)
}

// channel is a channel drawn by weight.
func (r *caseRun) channel() string {
	x := r.rng.IntN(100)
	for _, c := range channels {
		if x -= c.weight; x < 0 {
			return c.name
		}
	}
	return dispatcher.ChannelHotline
}

func (r *caseRun) intakeActor(ch string) dispatcher.Actor {
	switch ch {
	case dispatcher.ChannelHotline:
		return r.w.centre[dispatcher.Operator]
	case dispatcher.ChannelInspector:
		return r.w.centre[dispatcher.Inspector]
	}
	return dispatcher.Actor{Login: ch, Name: ch, Role: dispatcher.System, Unit: dispatcher.CommandCentre}
}

func location(p dispatcher.Point) dispatcher.Location {
	return dispatcher.Location{Point: p, Original: p, Datum: dispatcher.WGS84}
}

// lifecycle picks what happens to the case after intake and does it.
func (r *caseRun) lifecycle(ctx context.Context) error {
	switch {
	case r.c.State == dispatcher.Received: // an inquiry
		return r.answer(ctx)
	case r.c.State == dispatcher.Transferred:
		return r.act(ctx, r.w.centre[dispatcher.DispatcherRole], hours(24, 24*10),
			dispatcher.ActionRequest{Action: dispatcher.ActRecordReply, Text: "已由万盛经开区城市管理局处理"})
	case r.c.State != dispatcher.Dispatched:
		return nil
	}
	return r.handled(ctx, r.rng.IntN(100))
}

func (r *caseRun) answer(ctx context.Context) error {
	return r.act(ctx, r.w.centre[dispatcher.Operator], minutes(1, 30),
		dispatcher.ActionRequest{Action: dispatcher.ActAnswer, Text: "已电话答复"})
}

// handled is the mix of what a dispatched case goes through (k of 100).
func (r *caseRun) handled(ctx context.Context, k int) error {
	var steps []func(context.Context) error
	switch {
	case k < 62:
		steps = []func(context.Context) error{r.ack, r.resolve, r.pass, r.followUp}
	case k < 70:
		steps = []func(context.Context) error{r.returned, r.redispatch, r.ack, r.resolve, r.pass, r.followUp}
	case k < 72:
		steps = []func(context.Context) error{r.returned, r.redispatch, r.returned, r.arbitrate, r.ack, r.resolve, r.pass}
	case k < 79:
		steps = []func(context.Context) error{r.ack, r.resolve, r.rework, r.ack, r.resolve, r.pass, r.followUp}
	case k < 85:
		steps = []func(context.Context) error{r.ack, r.extend, r.approve, r.resolve, r.pass, r.followUp}
	case k < 88:
		steps = []func(context.Context) error{r.void}
	case k < 90 && r.recent():
		steps = []func(context.Context) error{r.ack} // left open: overdue at the end
	default:
		steps = []func(context.Context) error{r.ack, r.resolve, r.pass}
	}
	for _, s := range steps {
		if err := s(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (r *caseRun) unit() unitPeople { return r.w.units[r.c.Owner] }

func (r *caseRun) ack(ctx context.Context) error {
	return r.act(ctx, r.unit().officer, minutes(5, 240), dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge})
}

func (r *caseRun) resolve(ctx context.Context) error {
	return r.act(ctx, r.unit().officer, hours(1, 60), dispatcher.ActionRequest{Action: dispatcher.ActResolve, Text: "已现场处置"})
}

func (r *caseRun) pass(ctx context.Context) error {
	return r.act(ctx, r.w.centre[dispatcher.Inspector], hours(1, 30), dispatcher.ActionRequest{Action: dispatcher.ActPass})
}

func (r *caseRun) rework(ctx context.Context) error {
	return r.act(ctx, r.w.centre[dispatcher.Inspector], hours(1, 30),
		dispatcher.ActionRequest{Action: dispatcher.ActRework, Reason: "现场仍有问题，请返工"})
}

func (r *caseRun) returned(ctx context.Context) error {
	return r.act(ctx, r.unit().lead, minutes(10, 300),
		dispatcher.ActionRequest{Action: dispatcher.ActReturn, Reason: "非本单位职责范围"})
}

// redispatch sends a returned case back to the unit the router named.
func (r *caseRun) redispatch(ctx context.Context) error {
	return r.act(ctx, r.w.centre[dispatcher.DispatcherRole], minutes(10, 120),
		dispatcher.ActionRequest{Action: dispatcher.ActDispatch, Unit: r.c.Routing.Unit})
}

func (r *caseRun) arbitrate(ctx context.Context) error {
	return r.act(ctx, r.w.centre[dispatcher.ShiftLeader], minutes(30, 600),
		dispatcher.ActionRequest{Action: dispatcher.ActArbitrate, Unit: r.c.Routing.Unit, Reason: "经仲裁，属该单位职责"})
}

func (r *caseRun) extend(ctx context.Context) error {
	unit := r.c.Clocks.Handling.Limit.Unit
	return r.act(ctx, r.unit().lead, hours(2, 24), dispatcher.ActionRequest{Action: dispatcher.ActExtendRequest,
		Reason: "需协调相关部门", Limit: &dispatcher.Limit{Value: 1, Unit: unit}})
}

func (r *caseRun) approve(ctx context.Context) error {
	return r.act(ctx, r.w.centre[dispatcher.ShiftLeader], minutes(20, 300),
		dispatcher.ActionRequest{Action: dispatcher.ActExtendApprove})
}

func (r *caseRun) void(ctx context.Context) error {
	return r.act(ctx, r.w.centre[dispatcher.ShiftLeader], minutes(5, 120),
		dispatcher.ActionRequest{Action: dispatcher.ActVoid, Reason: "重复录入"})
}

var answers = []string{"满意", "满意", "满意", "基本满意", "不满意"}

// followUp calls back about half of the reporters.
func (r *caseRun) followUp(ctx context.Context) error {
	if r.rng.IntN(2) == 0 {
		return nil
	}
	return r.act(ctx, r.w.centre[dispatcher.Operator], hours(12, 72), dispatcher.ActionRequest{
		Action: dispatcher.ActFollowUp, Satisfaction: answers[r.rng.IntN(len(answers))]})
}

// recent reports whether the case was reported in the last 60 days: only those are left open.
func (r *caseRun) recent() bool { return r.end.Sub(r.clk.Now()) < 60*24*time.Hour }

// act moves the clock on by after and takes the action, unless that would be after the end.
func (r *caseRun) act(ctx context.Context, a dispatcher.Actor, w wait, req dispatcher.ActionRequest) error {
	after := r.draw(w)
	if r.clk.Now().Add(after).After(r.end) {
		return errLater
	}
	r.clk.Add(after)
	res, err := r.svc.Act(ctx, a, r.c.ID, req)
	if err != nil {
		return fmt.Errorf("%s by %s: %w", req.Action, a.Login, err)
	}
	r.c = res.Case
	return nil
}

// wait is how long a step comes after the one before it: a duration drawn between lo and hi.
type wait struct{ lo, hi time.Duration }

func minutes(lo, hi int) wait {
	return wait{time.Duration(lo) * time.Minute, time.Duration(hi) * time.Minute}
}
func hours(lo, hi int) wait {
	return wait{time.Duration(lo) * time.Hour, time.Duration(hi) * time.Hour}
}

func (r *caseRun) draw(w wait) time.Duration {
	return w.lo + time.Duration(r.rng.Int64N(int64(w.hi-w.lo)))
}
