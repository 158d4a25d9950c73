package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// Units, jurisdictions and categories of the fixtures (after the Qijiang demo data).
const (
	cmd       = dispatcher.CommandCentre
	unitGN    = "QJ-GN-DD" // 古南大队
	unitWL    = "QJ-WL-DD" // 文龙大队
	agencyWS  = "EXT-WS"   // 万盛经开区城市管理局
	jurGN     = "QJ-GN"
	jurWL     = "QJ-WL"
	jurWS     = "QJ-WSJD"
	catLitter = "0101"
	catStall  = "0203"
	catMuck   = "0302"
)

// base is the creation time of case 0: 2026-11-27 09:30:15.123456 in Chongqing, in UTC, with
// microseconds so that a store that keeps only milliseconds fails.
var base = time.Date(2026, 11, 27, 1, 30, 15, 123456000, time.UTC)

func ptr[T any](v T) *T { return &v }

// newCase returns a plausible case, its i-th: received by hotline, registered, dispatched to the
// 古南 brigade, acknowledged and being handled, with its handling clock running. Its Number is
// the stem CreateCase completes; it has no events yet (Version 0).
func newCase(i int) *dispatcher.Case {
	created := base.Add(time.Duration(i) * time.Hour)
	at := func(d time.Duration) time.Time { return created.Add(d) }
	c := &dispatcher.Case{
		Number: "QJ" + created.Format("20060102"),
		State:  dispatcher.InProgress, OwnerKind: dispatcher.OwnedByUnit, Owner: unitGN, Unit: unitGN,
		Channel: dispatcher.ChannelHotline, Nature: "complaint", Category: catLitter,
		Text: fmt.Sprintf("古南街道沿河路%d号门前垃圾堆积，已有异味 <急>", i+1),
		Location: dispatcher.Location{
			Point:    dispatcher.Point{Lat: 29.028513, Lng: 106.651207},
			Original: dispatcher.Point{Lat: 29.025601, Lng: 106.646632},
			Datum:    dispatcher.GCJ02, Address: fmt.Sprintf("綦江区古南街道沿河路%d号", i+1),
		},
		Reporter: dispatcher.Contact{Name: "张先生", Phone: "13800138000"},
		Media:    []string{fmt.Sprintf("media/2026/11/27/case-%d-a.jpg", i)},
		Routing: dispatcher.Routing{Outcome: dispatcher.RouteToUnit, Unit: unitGN, Jurisdiction: jurGN,
			JurisdictionName: "古南街道", Authority: "綦江区", Cell: "8840e3c8c1fffff", Resolution: 8,
			Rule: "territorial", CoHandlers: []string{"QJ-SZ"}, Explanation: "该点位于古南街道，由古南大队处置"},
		Clocks: dispatcher.Clocks{
			Registration: &dispatcher.Clock{Limit: dispatcher.Limit{Value: 30, Unit: dispatcher.NaturalMinute},
				StartedAt: created, Deadline: at(30 * time.Minute), WarnAt: at(24 * time.Minute),
				StoppedAt: ptr(at(7*time.Minute + 417*time.Microsecond))},
			Acknowledge: &dispatcher.Clock{Limit: dispatcher.Limit{Value: 1, Unit: dispatcher.WorkHour},
				StartedAt: at(10 * time.Minute), Deadline: at(70 * time.Minute), WarnAt: at(58 * time.Minute),
				StoppedAt: ptr(at(25 * time.Minute))},
			Handling: &dispatcher.Clock{Limit: dispatcher.Limit{Value: 5, Unit: dispatcher.WorkDay},
				StartedAt: at(10 * time.Minute), Deadline: at(5 * 24 * time.Hour), WarnAt: at(4 * 24 * time.Hour),
				History: []time.Time{at(3 * 24 * time.Hour)}},
		},
		Returns: map[string]int{unitWL: 1}, ReturnCount: 1,
		Owners:    []string{cmd, unitWL, unitGN},
		CreatedAt: created, UpdatedAt: at(25*time.Minute + 1*time.Microsecond),
		NextDue: ptr(at(4 * 24 * time.Hour)),
	}
	return c
}

// markOverdue marks the running handling clock overdue.
func markOverdue(c *dispatcher.Case) {
	c.Clocks.Handling.Warned, c.Clocks.Handling.Overdue = true, true
}

// finish puts the case in a finished state: its clocks stopped, owned by nobody.
func finish(c *dispatcher.Case, s dispatcher.State) {
	c.State, c.OwnerKind, c.Owner = s, dispatcher.OwnedByNone, ""
	stop := c.UpdatedAt
	c.Clocks.Handling.StoppedAt = &stop
	c.ClosedAt, c.NextDue = &stop, nil
}

var eventSteps = []struct {
	typ, action string
	from, to    dispatcher.State
	actor       dispatcher.Actor
}{
	{"received", "受理", "", dispatcher.Received,
		dispatcher.Actor{Login: "op1", Name: "受理员一", Role: dispatcher.Operator, Unit: cmd}},
	{"registered", "立案", dispatcher.Received, dispatcher.Registered,
		dispatcher.Actor{Login: "lead1", Name: "值班长", Role: dispatcher.ShiftLeader, Unit: cmd}},
	{"dispatched", "派遣", dispatcher.Registered, dispatcher.Dispatched, dispatcher.SystemActor},
	{"acknowledged", "签收", dispatcher.Dispatched, dispatcher.InProgress,
		dispatcher.Actor{Login: "gn-lead", Name: "古南队长", Role: dispatcher.TeamLead, Unit: unitGN,
			Certificate: &dispatcher.Certificate{Number: "渝执 0012345", ValidUntil: "2028-06-30"}}},
	{"progress", "反馈进展", dispatcher.InProgress, dispatcher.InProgress,
		dispatcher.Actor{Login: "gn-off1", Name: "古南队员一", Role: dispatcher.Officer, Unit: unitGN}},
}

// addEvents returns n new events of c, continuing its sequence, and advances c.Version and
// c.LastHash as Service would.
func addEvents(c *dispatcher.Case, n int) []*dispatcher.Event {
	evs := make([]*dispatcher.Event, n)
	for k := range evs {
		c.Version++
		step := eventSteps[int(c.Version-1)%len(eventSteps)]
		hash := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%s|%d", c.Number, c.Version, c.Text, k))
		e := &dispatcher.Event{
			CaseID: c.ID, Seq: c.Version, Type: step.typ, Action: step.action, Actor: step.actor,
			At:   c.CreatedAt.Add(time.Duration(c.Version)*time.Minute + 789*time.Microsecond),
			From: step.from, To: step.to, Owner: c.Owner,
			Data: json.RawMessage(fmt.Sprintf(`{"step":%d,"note":"第%d步","limit":{"value":5,"unit":"work_day"}}`,
				c.Version, c.Version)),
			PrevHash: c.LastHash, Hash: hex.EncodeToString(hash[:]),
			Summary: summary(c), Visible: []string{cmd, c.Owner},
		}
		if k == 0 {
			e.Reason = "群众来电反映"
		}
		c.LastHash = e.Hash
		evs[k] = e
	}
	return evs
}

// summary is the case summary an event carries.
func summary(c *dispatcher.Case) dispatcher.CaseSummary {
	return dispatcher.CaseSummary{Number: c.Number, State: c.State, Owner: c.Owner, Unit: c.Unit,
		Channel: c.Channel, Nature: c.Nature, Category: c.Category, Jurisdiction: c.Routing.Jurisdiction,
		Address: c.Location.Address, Point: c.Location.Point, Deadline: c.Deadline(), Overdue: c.IsOverdue()}
}

// caseTallies counts one measure of a case on a day ("" for a gauge) in every dimension.
func caseTallies(c *dispatcher.Case, day, measure string, delta int64) []dispatcher.Tally {
	keys := map[string]string{dispatcher.DimAll: "", dispatcher.DimUnit: c.Unit,
		dispatcher.DimJurisdiction: c.Routing.Jurisdiction, dispatcher.DimCategory: c.Category,
		dispatcher.DimChannel: c.Channel}
	var out []dispatcher.Tally
	for _, dim := range dispatcher.Dims {
		out = append(out, dispatcher.Tally{Day: day, Dim: dim, Key: keys[dim], Measure: measure, Delta: delta})
	}
	return out
}

// clone deep-copies a case.
func clone(t *testing.T, c *dispatcher.Case) *dispatcher.Case {
	t.Helper()
	b, err := json.Marshal(c)
	must(t, err, "encode case")
	var cp dispatcher.Case
	must(t, json.Unmarshal(b, &cp), "decode case")
	return &cp
}

// create stores a new case with n events and returns them.
func create(t *testing.T, s dispatcher.Store, c *dispatcher.Case, n int,
	tallies ...dispatcher.Tally) []*dispatcher.Event {
	t.Helper()
	evs := addEvents(c, n)
	must(t, s.CreateCase(t.Context(), c, evs, tallies), "CreateCase")
	return evs
}

// update stores n new events of c (after applying change) and returns them.
func update(t *testing.T, s dispatcher.Store, c *dispatcher.Case, n int, change func(*dispatcher.Case),
	tallies ...dispatcher.Tally) []*dispatcher.Event {
	t.Helper()
	prev := c.Version
	if change != nil {
		change(c)
	}
	evs := addEvents(c, n)
	must(t, s.UpdateCase(t.Context(), c, prev, evs, tallies), "UpdateCase")
	return evs
}
