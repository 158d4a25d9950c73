package dispatcher_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	D "cityhub/dispatcher"
)

// TestFiguresFromTheCases is the figure test: a random workload through the service (reports on
// every channel and in several units' areas, every kind of action, a clock that moves by hours and
// days across a month's end), then every measure of every dimension and period computed again by
// walking the cases and their events, with the definitions of DOMAIN.md and not the tally code,
// and compared with what Measures serves; the same for accountability's reasons and rulings, and
// for the cases behind the district's figures.
//
// The workload ticks the scheduler after every move of the clock, before anyone acts, as the hub
// does every few seconds: an acknowledgement deadline that has passed is then always marked
// (counted due) before an action could withdraw the dispatch.
func TestFiguresFromTheCases(t *testing.T) {
	done := map[string]int{}
	for _, manual := range []bool{false, true} {
		t.Run(fmt.Sprintf("manual=%v", manual), func(t *testing.T) {
			f := newFixture(t, manual)
			f.clock.Set(at("2026-11-26 08:30"))
			w := &workload{f: f, t: t, rng: rand.New(rand.NewPCG(7, uint64(len(fmt.Sprint(manual))))), done: done}
			w.run(500)
			want := walkFigures(t, f)
			checkFigures(t, f, want)
		})
	}
	t.Logf("actions done: %v", done)
	for _, a := range []string{D.ActRegister, D.ActReject, D.ActVerify, D.ActAnswer, D.ActMerge, D.ActDispatch,
		D.ActArbitrate, D.ActRecordReply, D.ActAcknowledge, D.ActReturn, D.ActReassign, D.ActExtendApprove,
		D.ActSuspend, D.ActResume, D.ActResolve, D.ActCheck, D.ActPass, D.ActRework, D.ActVoid, D.ActReopen,
		D.ActFollowUp} {
		if done[a] == 0 {
			t.Errorf("the workload never managed %s", a)
		}
	}
}

type workload struct {
	f     *fixture
	t     *testing.T
	rng   *rand.Rand
	cases []*D.Case
	done  map[string]int
}

// Points in several units' areas: 古南, 三江, 文龙 (the district's north), 万盛 (another authority's).
var workloadPoints = []D.Point{guNan, {Lat: 28.8697, Lng: 106.6372}, {Lat: 29.0210, Lng: 106.6460}, {Lat: 28.9587, Lng: 106.9265}}

func (w *workload) run(steps int) {
	for i := 0; i < steps; i++ {
		w.advance()
		if len(w.cases) == 0 || w.rng.IntN(4) == 0 {
			w.submit()
			continue
		}
		w.act(w.pickCase())
	}
}

// pickCase prefers open cases: most of a case's life is spent open.
func (w *workload) pickCase() *D.Case {
	var c *D.Case
	for range 4 {
		c = w.cases[w.rng.IntN(len(w.cases))]
		cur, err := w.f.store.Case(w.f.ctx, c.ID)
		if err != nil {
			w.t.Fatal(err)
		}
		if cur.State.IsOpen() || cur.State == D.Closed && w.rng.IntN(3) == 0 {
			return cur
		}
	}
	return c
}

// advance moves the clock by up to three hours, now and then to the next morning, and ticks.
func (w *workload) advance() {
	if w.rng.IntN(40) == 0 {
		now := w.f.clock.Now().In(shanghai)
		w.f.clock.Set(time.Date(now.Year(), now.Month(), now.Day()+1, 8, w.rng.IntN(60), 0, 0, shanghai))
	} else {
		w.f.clock.Add(time.Duration(w.rng.IntN(40)) * time.Minute)
	}
	for range 50 {
		n, err := w.f.svc.Tick(w.f.ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	w.t.Fatal("the scheduler does not settle")
}

func (w *workload) submit() {
	cats := []string{"0501", "0504", "0101", "0302", "0505", "0102"}
	p := workloadPoints[w.rng.IntN(len(workloadPoints))]
	cmp := complaintAt(p)
	cmp.Category = cats[w.rng.IntN(len(cats))]
	cmp.Channel = []string{D.ChannelHotline, D.ChannelWeChat, D.ChannelWeb, D.ChannelOpen311}[w.rng.IntN(4)]
	filer := "op1"
	switch w.rng.IntN(8) {
	case 0:
		cmp.Nature = "inquiry"
	case 1:
		cmp.Channel, filer = D.ChannelInspector, "insp1"
	}
	res, err := w.f.svc.Submit(w.f.ctx, w.f.actor(w.t, filer), cmp)
	if err != nil {
		w.t.Fatalf("submit: %v", err)
	}
	w.cases = append(w.cases, res.Case)
}

// unitLogins are a unit's lead and an officer: "QJ-GN-DD" -> gn-lead, gn-1.
func unitLogins(unit string) (lead, officer string) {
	x := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(unit, "QJ-"), "-DD"))
	return x + "-lead", x + "-1"
}

// act tries one random action on the case as whoever would take it; a refusal is no failure
// (the action did not fit the case's state), anything else is.
func (w *workload) act(c *D.Case) {
	cur, err := w.f.store.Case(w.f.ctx, c.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	lead, officer := unitLogins(cur.Unit)
	units := []string{"QJ-GN-DD", "QJ-WL-DD", "QJ-SJ-DD", "QJ-TH-DD"}
	other := units[w.rng.IntN(len(units))]
	reasons := []string{"不属于本单位职责", "地点不在本辖区", "问题类别有误"}
	sats := []string{"满意", "基本满意", "不满意"}
	type try struct {
		login string
		req   D.ActionRequest
	}
	tries := []try{
		{"lead1", D.ActionRequest{Action: D.ActRegister}},
		{"lead1", D.ActionRequest{Action: D.ActReject, Reason: "不属于受理范围"}},
		{"op1", D.ActionRequest{Action: D.ActVerify, Inspector: "insp1"}},
		{"op1", D.ActionRequest{Action: D.ActAnswer, Text: "已答复"}},
		{"disp1", D.ActionRequest{Action: D.ActDispatch}},
		{"disp1", D.ActionRequest{Action: D.ActDispatch, Unit: other, Reason: "就近派遣"}},
		{"lead1", D.ActionRequest{Action: D.ActArbitrate, Unit: other, Reason: "仲裁"}},
		{"disp1", D.ActionRequest{Action: D.ActRecordReply, Text: "对方已处理"}},
		{officer, D.ActionRequest{Action: D.ActAcknowledge}},
		{officer, D.ActionRequest{Action: D.ActAcknowledge}},
		{lead, D.ActionRequest{Action: D.ActReturn, Reason: reasons[w.rng.IntN(3)]}},
		{"disp1", D.ActionRequest{Action: D.ActReassign, Unit: other, Reason: "改派"}},
		{"lead1", D.ActionRequest{Action: D.ActSuspend, Reason: "等待认定"}},
		{"lead1", D.ActionRequest{Action: D.ActResume}},
		{lead, D.ActionRequest{Action: D.ActExtendRequest, Reason: "需协调"}},
		{"lead1", D.ActionRequest{Action: D.ActExtendApprove}},
		{"lead1", D.ActionRequest{Action: D.ActExtendDeny, Reason: "不予延期"}},
		{officer, D.ActionRequest{Action: D.ActResolve, Text: "已处置"}},
		{officer, D.ActionRequest{Action: D.ActResolve, Text: "已处置"}},
		{"disp1", D.ActionRequest{Action: D.ActCheck, Inspector: "insp1"}},
		{"insp1", D.ActionRequest{Action: D.ActPass}},
		{"insp1", D.ActionRequest{Action: D.ActPass}},
		{"insp1", D.ActionRequest{Action: D.ActRework, Reason: "未处置到位"}},
		{"lead1", D.ActionRequest{Action: D.ActVoid, Reason: "误录"}},
		{"lead1", D.ActionRequest{Action: D.ActReopen, Reason: "群众反映未解决"}},
		{"op1", D.ActionRequest{Action: D.ActFollowUp, Satisfaction: sats[w.rng.IntN(3)]}},
		{"op1", D.ActionRequest{Action: D.ActFollowUp, Satisfaction: sats[w.rng.IntN(3)]}},
		{"boss", D.ActionRequest{Action: D.ActSupervise, Text: "请加快办理"}},
	}
	if h := cur.Clocks.Handling; h != nil {
		tries = append(tries, try{lead, D.ActionRequest{Action: D.ActExtendRequest, Reason: "需协调", Limit: &D.Limit{Value: 1, Unit: h.Limit.Unit}}})
	}
	if len(w.cases) > 1 {
		into := w.cases[w.rng.IntN(len(w.cases))]
		tries = append(tries, try{"op1", D.ActionRequest{Action: D.ActMerge, Into: into.Number, Reason: "同一问题"}})
	}
	// Mostly what the case offers its actor (so that cases move on), now and then anything.
	var offered []try
	for _, tr := range tries {
		acct, err := w.f.store.Account(w.f.ctx, tr.login)
		if err != nil {
			continue // a unit's member, and the case has no unit now
		}
		rare := tr.req.Action == D.ActVoid || tr.req.Action == D.ActReject || tr.req.Action == D.ActAnswer
		if slices.Contains(w.f.svc.AvailableActions(cur, acct.Actor()), tr.req.Action) && (!rare || w.rng.IntN(6) == 0) {
			offered = append(offered, tr)
		}
	}
	pick := tries[w.rng.IntN(len(tries))]
	if len(offered) > 0 && w.rng.IntN(8) != 0 {
		pick = offered[w.rng.IntN(len(offered))]
	}
	acct, err := w.f.store.Account(w.f.ctx, pick.login)
	if err != nil {
		return
	}
	if _, err := w.f.svc.Act(w.f.ctx, acct.Actor(), cur.ID, pick.req); err == nil {
		w.done[pick.req.Action]++
	} else if code := D.ErrorCode(err); code != D.EForbidden && code != D.EInvalid && code != D.EConflict && code != D.ENotFound {
		w.t.Fatalf("%s on %s (%s) by %s: %v", pick.req.Action, cur.Number, cur.State, pick.login, err)
	}
}

// figures are the walk's counts: day -> dim -> key -> measure -> count; gauges under day "".
type figures map[string]map[string]map[string]map[string]int64

func (fg figures) add(day string, keys [4]string, measure string, n int64) {
	for i, dim := range D.Dims {
		key := ""
		if i > 0 {
			key = keys[i-1]
		}
		if fg[day] == nil {
			fg[day] = map[string]map[string]map[string]int64{}
		}
		if fg[day][dim] == nil {
			fg[day][dim] = map[string]map[string]int64{}
		}
		if fg[day][dim][key] == nil {
			fg[day][dim][key] = map[string]int64{}
		}
		fg[day][dim][key][measure] += n
	}
}

// walked is the walk's result: the figures, return reasons (unit/reason) and rulings (by/to).
type walked struct {
	fig              figures
	reasons, rulings map[string]int64
	numbers          map[string][]string // measure -> numbers of the district's cases, for the whole range
}

// walkFigures recomputes every counter from the cases and their events.
func walkFigures(t *testing.T, f *fixture) walked {
	out := walked{fig: figures{}, reasons: map[string]int64{}, rulings: map[string]int64{}, numbers: map[string][]string{}}
	page, err := f.store.ListCases(f.ctx, D.CaseFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Cases {
		evs, err := f.store.CaseEvents(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		walkCase(c, evs, &out)
	}
	return out
}

func walkCase(c *D.Case, evs []*D.Event, out *walked) {
	unit := "" // the handling unit as the events leave it
	var handedAt, ackAt, resolvedAt, handleBy time.Time
	ackMarked := false
	returners := map[string]bool{}
	var lastFollowUp *D.Event
	var followUpKeys [4]string // the keys when the latest follow-up was taken
	keys := func() [4]string {
		u := unit
		if u == "" {
			u = c.Routing.Unit
		}
		return [4]string{u, c.Routing.Jurisdiction, c.Category, c.Channel}
	}
	seen := map[string]bool{}
	countAt := func(e *D.Event, k [4]string, measure string, n int64) {
		out.fig.add(e.At.In(shanghai).Format("2006-01-02"), k, measure, n)
		if !seen[measure] {
			seen[measure] = true
			out.numbers[measure] = append(out.numbers[measure], c.Number)
		}
	}
	count := func(e *D.Event, measure string, n int64) { countAt(e, keys(), measure, n) }
	for _, e := range evs {
		var data map[string]any
		_ = json.Unmarshal(e.Data, &data)
		str := func(k string) string { s, _ := data[k].(string); return s }
		day := func(k string) time.Time { t, _ := time.Parse(time.RFC3339Nano, str(k)); return t }
		handOver := func() {
			handedAt, ackMarked = e.At, false
		}
		switch e.Type {
		// A merged case is the problem of the case it was merged into, counted there: its receipt
		// and registration are taken out where they were put (net zero), but it stays a report.
		case "case.received":
			count(e, D.MReports, 1)
			if c.State != D.Merged {
				count(e, D.MReceived, 1)
			}
		case "case.joined":
			count(e, D.MReports, 1)
		case "case.registered":
			if c.State != D.Merged && !seen[D.MRegistered] {
				count(e, D.MRegistered, 1)
			}
		case "case.dispatched", "case.arbitrated", "case.reassigned":
			if e.Type == "case.arbitrated" {
				for by := range returners {
					out.rulings[by+"/"+str("unit")]++
				}
			}
			unit, handleBy = str("unit"), day("handle_by")
			handOver()
			count(e, D.MDispatched, 1)
		case "case.transferred":
			unit = str("unit")
		case "case.acknowledged":
			if !ackMarked {
				count(e, D.MAckDue, 1)
			}
			if data["on_time"] == true {
				count(e, D.MAckOnTime, 1)
			}
			count(e, D.MAcknowledged, 1)
			count(e, D.MAckSeconds, int64(e.At.Sub(handedAt)/time.Second))
			ackAt = e.At
		case "case.overdue":
			if str("clock") == D.ClockAcknowledge {
				ackMarked = true
				count(e, D.MAckDue, 1)
			}
		case "case.returned":
			count(e, D.MReturns, 1)
			out.reasons[unit+"/"+D.ReturnReasonKey(e.Reason)]++
			returners[unit] = true
			unit = ""
		case "case.extension_approved":
			handleBy = day("deadline")
			count(e, D.MExtensions, 1)
		case "case.resumed":
			handleBy = day("deadline")
		case "case.resolved":
			count(e, D.MResolved, 1)
			count(e, D.MHandleSeconds, int64(e.At.Sub(ackAt)/time.Second))
			resolvedAt = e.At
		case "case.reworked":
			count(e, D.MChecked, 1)
			count(e, D.MCheckSeconds, int64(e.At.Sub(resolvedAt)/time.Second))
			count(e, D.MReworks, 1)
			count(e, D.MDispatched, 1)
			handOver()
		case "case.closed", "case.replied":
			if e.Type == "case.closed" {
				count(e, D.MChecked, 1)
				count(e, D.MCheckSeconds, int64(e.At.Sub(resolvedAt)/time.Second))
			}
			count(e, D.MClosed, 1)
			if handleBy.IsZero() || !e.At.After(handleBy) {
				count(e, D.MClosedOnTime, 1)
			}
		case "case.answered":
			count(e, D.MAnswered, 1)
		case "case.rejected":
			count(e, D.MRejected, 1)
		case "case.voided":
			count(e, D.MVoided, 1)
		case "case.merged":
			count(e, D.MMerged, 1)
		case "case.reopened":
			unit, handleBy = "", time.Time{}
		case "case.followed_up":
			lastFollowUp, followUpKeys = e, keys()
		}
	}
	if e := lastFollowUp; e != nil { // one answer per case: the latest, where it was given
		countAt(e, followUpKeys, D.MFollowedUp, 1)
		var data map[string]any
		_ = json.Unmarshal(e.Data, &data)
		if data["satisfaction"] != "dissatisfied" {
			countAt(e, followUpKeys, D.MSatisfied, 1)
		}
	}
	if c.State.IsOpen() && c.IsOverdue() {
		out.fig.add("", keys(), D.MOverdueOpen, 1)
	}
}

// sum is the walk's counts of one dimension over from..to, with the gauges.
func (fg figures) sum(dim, from, to string) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for day, dims := range fg {
		if day != "" && (day < from || day > to) {
			continue
		}
		for key, ms := range dims[dim] {
			for m, n := range ms {
				if n == 0 {
					continue
				}
				if out[key] == nil {
					out[key] = map[string]int64{}
				}
				out[key][m] += n
			}
		}
	}
	return out
}

func checkFigures(t *testing.T, f *fixture, w walked) {
	boss := f.actor(t, "boss")
	days := slices.Sorted(maps.Keys(w.fig))
	first, last := days[1], days[len(days)-1] // days[0] is the gauges' ""
	queries := []D.MeasureQuery{{Period: "today"}, {Period: "week"}, {Period: "month"}, {Period: "year"},
		{From: first, To: last}, {From: "2026-11-01", To: "2026-11-30"}, {From: "2026-11-28", To: "2026-12-02"}}
	for _, d := range days[1:] {
		queries = append(queries, D.MeasureQuery{From: d, To: d})
	}
	compared := 0
	for _, dim := range D.Dims {
		for _, q := range queries {
			q.Dim = dim
			rep, err := f.svc.Measures(f.ctx, boss, q)
			if err != nil {
				t.Fatal(err)
			}
			want := w.fig.sum(dim, rep.From, rep.To)
			got := map[string]map[string]int64{}
			for _, r := range rep.Rows {
				for m, n := range r.Counts {
					if n != 0 {
						if got[r.Key] == nil {
							got[r.Key] = map[string]int64{}
						}
						got[r.Key][m] = n
					}
				}
				checkRates(t, fmt.Sprintf("%s %s..%s %q", dim, rep.From, rep.To, r.Key), r)
				compared++
			}
			for key := range w.fig.sum(dim, rep.From, rep.To) {
				if !maps.Equal(got[key], want[key]) {
					t.Errorf("%s %q %s..%s:\n served %v\n walked %v", dim, key, rep.From, rep.To, got[key], want[key])
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s %s..%s: %d keys served, %d walked", dim, rep.From, rep.To, len(got), len(want))
			}
		}
	}
	t.Logf("%d rows compared over %d days (%s..%s)", compared, len(days)-1, first, last)
	checkAccountability(t, f, w, first, last)
	checkCasesBehind(t, f, w, first, last)
}

// checkRates recomputes the row's rates from its counts with the definitions.
func checkRates(t *testing.T, what string, r D.MeasureRow) {
	n := r.Counts
	want := map[string][2]int64{
		D.RateClosure:     {n["closed"] + n["answered"], n["received"] - n["rejected"] - n["voided"]},
		D.RateOnTimeClose: {n["closed_on_time"], n["closed"]},
		D.RateOnTimeAck:   {n["acknowledged_on_time"], n["acknowledgements_due"]},
		D.RateRework:      {n["reworks"], n["closed"]},
		D.RateReturn:      {n["returns"], n["dispatched"]},
		D.RateExtension:   {n["extensions"], n["dispatched"]},
		D.RateSatisfied:   {n["satisfied"], n["followed_up"]},
	}
	for name, nd := range want {
		got := r.Rates[name]
		switch {
		case nd[1] <= 0 && got != nil:
			t.Errorf("%s: %s = %v with no denominator", what, name, *got)
		case nd[1] > 0 && (got == nil || *got != float64(nd[0])/float64(nd[1])):
			t.Errorf("%s: %s = %v, want %d/%d", what, name, got, nd[0], nd[1])
		}
	}
}

func checkAccountability(t *testing.T, f *fixture, w walked, from, to string) {
	acc, err := f.svc.Accountability(f.ctx, f.actor(t, "boss"), D.MeasureQuery{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	reasons, rulings := map[string]int64{}, map[string]int64{}
	for _, u := range acc.Units {
		for _, r := range u.Reasons {
			reasons[u.Unit+"/"+r.Reason] = r.Count
		}
	}
	for _, r := range acc.Rulings {
		rulings[r.ReturnedBy+"/"+r.RuledTo] = r.Count
	}
	maps.DeleteFunc(w.reasons, func(_ string, n int64) bool { return n == 0 })
	if !maps.Equal(reasons, w.reasons) || !maps.Equal(rulings, w.rulings) {
		t.Errorf("accountability:\n reasons %v\n walked  %v\n rulings %v\n walked  %v", reasons, w.reasons, rulings, w.rulings)
	}
	if len(w.reasons) == 0 {
		t.Error("the workload made no return")
	}
}

// checkCasesBehind: the district's cases behind each figure of the whole range are the cases the
// walk counted (each once).
func checkCasesBehind(t *testing.T, f *fixture, w walked, from, to string) {
	boss := f.actor(t, "boss")
	for _, m := range []string{D.MReceived, D.MRegistered, D.MDispatched, D.MClosed, D.MClosedOnTime,
		D.MAnswered, D.MRejected, D.MVoided, D.MMerged, D.MReturns, D.MReworks, D.MExtensions,
		D.MFollowedUp, D.MSatisfied, D.MAcknowledged, D.MResolved, D.MChecked} {
		var got []string
		for off := 0; ; off += 100 {
			page, err := f.svc.MeasureCases(f.ctx, boss, D.MeasureCasesQuery{Measure: m, From: from, To: to, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Cases {
				got = append(got, c.Number)
			}
			if off+100 >= page.Total {
				break
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(w.numbers[m]))
		if !slices.Equal(got, want) {
			t.Errorf("cases behind %s: %d listed, %d walked\n listed %v\n walked %v", m, len(got), len(want), got, want)
		}
	}
}
