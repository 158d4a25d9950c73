package dispatcher_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	D "cityhub/dispatcher"
	"cityhub/geo"
)

// Who is asked, in every situation, about every action: each role of the centre (two inspectors,
// so that an assigned one can be told from another), the members of the routed unit (an officer
// whose certificate expired among them), of the unit a case may be reassigned to, and of a unit
// that never owns the cases.
var askers = []string{"op1", "lead1", "disp1", "insp1", "insp2", "legal1", "boss", "admin",
	"gn-lead", "gn-1", "gn-2", "gn-aux", "wl-lead", "wl-1", "sj-lead", "sj-aux"}

// situation names what the guards look at, so that a situation already checked is not checked again.
func situation(c *D.Case) string {
	ext := 0
	if h := c.Clocks.Handling; h != nil {
		ext = h.Extended
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%v|%d|%s|%v|%v|%v", c.State, c.Nature, c.Category, c.Routing.Unit, c.Owner,
		c.Arbitration, c.Extension != nil, ext, c.Inspector, c.LegalReview != nil, c.Reporter.IsZero(), c.Satisfaction != "")
}

// offerWalk walks cases through many reachable situations. In each, for every action and every
// asker, an action that AvailableActions offers must be accepted with a well-formed request, and one
// it does not offer must be refused.
type offerWalk struct {
	t       *testing.T
	f       *fixture
	actors  map[string]D.Actor
	targets []*D.Case // earlier open cases of the bureau, to merge into
	seen    map[string]bool
	covered map[string]bool // data-dependent rules the walk has met
}

var wanSheng = D.Point{Lat: 28.9587, Lng: 106.9265} // another authority's area

func TestOfferedActionsAreTheAcceptedOnes(t *testing.T) {
	f := newFixture(t, true)
	w := &offerWalk{t: t, f: f, actors: map[string]D.Actor{}, seen: map[string]bool{}, covered: map[string]bool{}}
	for _, login := range askers {
		w.actors[login] = f.actor(t, login)
	}
	for _, category := range []string{"0501", "0101", "0401"} {
		w.targets = append(w.targets, w.do(f.submit(t, "complaint", category), "lead1", D.ActionRequest{Action: D.ActRegister}))
	}
	// In 万盛 every case is another authority's, unless the centre dispatched one to its own unit.
	ws := w.do(f.submitAt(t, wanSheng, "0501"), "lead1", D.ActionRequest{Action: D.ActRegister})
	w.targets = append(w.targets, w.do(ws, "disp1", D.ActionRequest{Action: D.ActDispatch, Unit: "QJ-GN-DD", Reason: "协助处置"}))
	for _, path := range scriptedWalks {
		w.walk(path.seed(t, f), path.steps, nil)
	}
	rng := rand.New(rand.NewPCG(11, 2026))
	for i := 0; i < 40; i++ {
		w.walk(randomSeeds[i%len(randomSeeds)](t, f), nil, rng)
	}
	for _, rule := range []string{"arbitration pending", "ruling", "extension pending", "extension used up",
		"assigned inspector", "inquiry", "not an inquiry", "not enforcement", "no contact", "closed", "answered",
		"transferred", "merged", "legal review"} {
		if !w.covered[rule] {
			t.Errorf("the walk never met: %s", rule)
		}
	}
	t.Logf("%d situations checked", len(w.seen))
}

// walk checks the case's situation, then takes the scripted steps, then (with rng) up to 14 random
// offered actions, checking each situation it reaches.
func (w *offerWalk) walk(c *D.Case, steps []step, rng *rand.Rand) {
	c = w.check(c)
	for _, s := range steps {
		c = w.check(w.do(c, s.login, s.req))
	}
	for i := 0; rng != nil && i < 14; i++ {
		var options [][2]string
		for _, login := range askers {
			for _, a := range w.f.svc.AvailableActions(c, w.actors[login]) {
				options = append(options, [2]string{login, a})
			}
		}
		if len(options) == 0 {
			return
		}
		o := options[rng.IntN(len(options))]
		c = w.check(w.do(c, o[0], w.request(o[1], c)))
	}
}

func (w *offerWalk) do(c *D.Case, login string, req D.ActionRequest) *D.Case {
	w.t.Helper()
	res, err := w.f.svc.Act(w.f.ctx, w.actors[login], c.ID, req)
	if err != nil {
		w.t.Fatalf("%s by %s on a %s case: %v", req.Action, login, c.State, err)
	}
	return res.Case
}

// check compares, in a situation not seen before, what is offered with what is accepted.
func (w *offerWalk) check(c *D.Case) *D.Case {
	w.t.Helper()
	w.cover(c)
	key := situation(c)
	if w.seen[key] {
		return c
	}
	w.seen[key] = true
	for _, login := range askers {
		actor := w.actors[login]
		view, err := w.f.svc.Case(w.f.ctx, actor, c.ID)
		offered := []string{}
		if err == nil {
			offered = w.f.svc.AvailableActions(view, actor)
		}
		for _, row := range D.Lifecycle {
			req := w.request(row.Action, c)
			err := w.f.svc.TryAct(w.f.ctx, actor, c.ID, req)
			switch is := slices.Contains(offered, row.Action); {
			case is && err != nil:
				w.t.Errorf("%s: %s offered to %s but refused: %v", key, row.Action, login, err)
			case !is && err == nil:
				w.t.Errorf("%s: %s not offered to %s but accepted", key, row.Action, login)
			}
		}
	}
	return c
}

// request is a well-formed request for an action on c: what a console would send.
func (w *offerWalk) request(action string, c *D.Case) D.ActionRequest {
	yes := true
	req := D.ActionRequest{Action: action, Reason: "测试理由", Text: "测试内容"}
	switch action {
	case D.ActVerify, D.ActCheck:
		req.Inspector = "insp1"
	case D.ActMerge:
		req.Into = w.mergeTarget(c).Number
	case D.ActDispatch:
		if u, _ := w.f.svc.Unit(c.Routing.Unit); u.IsExternal() {
			req.Unit = "QJ-GN-DD"
		}
	case D.ActArbitrate:
		req.Unit = "QJ-GN-DD"
	case D.ActTransfer:
		req.Unit = "EXT-PSB"
	case D.ActReassign:
		req.Unit = "QJ-WL-DD"
		if c.Unit == "QJ-WL-DD" {
			req.Unit = "QJ-GN-DD"
		}
	case D.ActExtendRequest:
		if h := c.Clocks.Handling; h != nil {
			req.Limit = &D.Limit{Value: h.Limit.Value, Unit: h.Limit.Unit} // the most one request may ask
		}
	case D.ActLegalReview:
		req.Decision, req.Approved = &D.Decision{Kind: D.DecisionDemolition, Text: "强制拆除违法建筑"}, &yes
	case D.ActFollowUp:
		req.Satisfaction = "不满意"
	case D.ActSetPublication:
		req.Publication = D.Public
		if c.IsPublic() {
			req.Publication = D.Private
		}
	}
	return req
}

// mergeTarget is the target of the case's category group nearest to it.
func (w *offerWalk) mergeTarget(c *D.Case) *D.Case {
	cat, _ := w.f.svc.Category(c.Category)
	var best *D.Case
	for _, x := range w.targets {
		if xc, _ := w.f.svc.Category(x.Category); xc.Group == cat.Group &&
			(best == nil || distance(c, x) < distance(c, best)) {
			best = x
		}
	}
	return best
}

func distance(a, b *D.Case) float64 {
	return geo.Distance(a.Location.Point, b.Location.Point)
}

// cover notes the data-dependent rules that the situation puts to the test.
func (w *offerWalk) cover(c *D.Case) {
	cat, _ := w.f.svc.Category(c.Category)
	for rule, met := range map[string]bool{
		"arbitration pending": c.Arbitration == "pending",
		"ruling":              c.Arbitration == "ruled" && (c.State == D.Dispatched || c.State == D.InProgress),
		"extension pending":   c.Extension != nil,
		"extension used up":   c.State == D.InProgress && c.Clocks.Handling.Extended > 0 && c.Extension == nil && c.Clocks.Handling.Extended >= 2*c.Clocks.Handling.Limit.Value,
		"assigned inspector":  c.State == D.Checking && c.Inspector != "",
		"inquiry":             c.State == D.Received && c.Nature == "inquiry",
		"not an inquiry":      c.State == D.Received && c.Nature != "inquiry",
		"not enforcement":     c.State == D.InProgress && !cat.IsEnforcement(),
		"legal review":        c.State == D.InProgress && cat.IsEnforcement(),
		"no contact":          c.Reporter.IsZero(),
		"closed":              c.State == D.Closed,
		"answered":            c.State == D.Answered,
		"transferred":         c.State == D.Transferred,
		"merged":              c.State == D.Merged,
	} {
		if met {
			w.covered[rule] = true
		}
	}
}

type seed func(t *testing.T, f *fixture) *D.Case

func complaintOf(category string) seed {
	return func(t *testing.T, f *fixture) *D.Case { return f.submit(t, "complaint", category) }
}

var randomSeeds = []seed{
	complaintOf("0501"), complaintOf("0101"), complaintOf("0401"),
	func(t *testing.T, f *fixture) *D.Case { return f.submit(t, "inquiry", "0501") },
	func(t *testing.T, f *fixture) *D.Case { // anonymous: nothing to reveal
		cmp := complaintAt(guNan)
		cmp.Reporter = D.Contact{}
		res, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp)
		if err != nil {
			t.Fatal(err)
		}
		return res.Case
	},
	func(t *testing.T, f *fixture) *D.Case { return f.submitAt(t, wanSheng, "0501") },
}

// scriptedWalks reach the situations a random walk seldom does.
var scriptedWalks = func() []struct {
	seed  seed
	steps []step
} {
	reg := step{"lead1", D.ActionRequest{Action: D.ActRegister}}
	disp := step{"disp1", D.ActionRequest{Action: D.ActDispatch}}
	ret := step{"gn-lead", D.ActionRequest{Action: D.ActReturn, Reason: "不属于本队"}}
	ack := step{"gn-1", D.ActionRequest{Action: D.ActAcknowledge}}
	ext := func(n int, unit string) []step {
		return []step{{"gn-lead", D.ActionRequest{Action: D.ActExtendRequest, Reason: "需协调", Limit: &D.Limit{Value: n, Unit: unit}}},
			{"lead1", D.ActionRequest{Action: D.ActExtendApprove}}}
	}
	resolve := step{"gn-1", D.ActionRequest{Action: D.ActResolve, Text: "已劝离"}}
	check := step{"disp1", D.ActionRequest{Action: D.ActCheck, Inspector: "insp1"}}
	pass := step{"insp1", D.ActionRequest{Action: D.ActPass}}
	return []struct {
		seed  seed
		steps []step
	}{
		{complaintOf("0501"), []step{reg, disp, ret, disp, ret,
			{"lead1", D.ActionRequest{Action: D.ActArbitrate, Unit: "QJ-GN-DD", Reason: "经核实属古南"}}, ack}},
		{complaintOf("0501"), slices.Concat([]step{reg, disp, ack}, ext(2, D.WorkHour), ext(2, D.WorkHour),
			[]step{resolve, check, pass, {"op1", D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "不满意"}},
				{"lead1", D.ActionRequest{Action: D.ActReopen, Reason: "回访不满意"}}})},
		{complaintOf("0401"), slices.Concat([]step{reg, disp, ack}, ext(1, D.NaturalHour))},
		{func(t *testing.T, f *fixture) *D.Case { return f.submit(t, "inquiry", "0501") },
			[]step{{"op1", D.ActionRequest{Action: D.ActAnswer, Text: "已答复"}}}},
	}
}()
