package storetest

import (
	"testing"
	"time"

	"cityhub/dispatcher"
)

func callStore(t *testing.T, s dispatcher.Store) dispatcher.CallStore {
	t.Helper()
	cs, ok := s.(dispatcher.CallStore)
	if !ok {
		t.Fatalf("%T keeps no call log", s)
	}
	return cs
}

// testCalls: a call is written with a version (a stale one is refused), found by its id, listed
// by caller, agent, outcome and time, newest first, and counted.
func testCalls(t *testing.T, s dispatcher.Store) {
	cs := callStore(t, s)
	ctx := t.Context()
	answered := base.Add(time.Minute)
	a := &dispatcher.Call{ID: "c1", Caller: "13800000001", Agent: "op1", RingingAt: base}
	must(t, cs.PutCall(ctx, a, 0), "PutCall new")
	if err := cs.PutCall(ctx, &dispatcher.Call{ID: "c1", Caller: "x", RingingAt: base}, 0); dispatcher.ErrorCode(err) != dispatcher.EConflict {
		t.Fatalf("a second new c1: %v", err)
	}
	a.AnsweredAt, a.Outcome, a.Seconds, a.Cases = &answered, dispatcher.CallOutcomeAnswered, 90, []string{"QJ1"}
	must(t, cs.PutCall(ctx, a, 1), "PutCall answered")
	if err := cs.PutCall(ctx, a, 1); dispatcher.ErrorCode(err) != dispatcher.EConflict {
		t.Fatalf("a stale version: %v", err)
	}
	b := &dispatcher.Call{ID: "c2", Caller: "13800000002", Agent: "op2", RingingAt: base.Add(time.Hour), Outcome: dispatcher.CallOutcomeAbandoned}
	must(t, cs.PutCall(ctx, b, 0), "PutCall c2")
	got, err := cs.Call(ctx, "c1")
	must(t, err, "Call")
	if got.Version != 2 || got.Seconds != 90 || got.Cases[0] != "QJ1" || !got.AnsweredAt.Equal(answered) {
		t.Fatalf("c1 read back %+v", got)
	}
	if _, err := cs.Call(ctx, "nope"); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		t.Fatalf("a missing call: %v", err)
	}
	for name, tc := range map[string]struct {
		f    dispatcher.CallFilter
		want []string
	}{
		"all":       {dispatcher.CallFilter{}, []string{"c2", "c1"}},
		"caller":    {dispatcher.CallFilter{Caller: "13800000001"}, []string{"c1"}},
		"agent":     {dispatcher.CallFilter{Agent: "op2"}, []string{"c2"}},
		"outcome":   {dispatcher.CallFilter{Outcome: dispatcher.CallOutcomeAnswered}, []string{"c1"}},
		"from":      {dispatcher.CallFilter{From: base.Add(time.Minute)}, []string{"c2"}},
		"to":        {dispatcher.CallFilter{To: base.Add(time.Minute)}, []string{"c1"}},
		"limit one": {dispatcher.CallFilter{Limit: 1}, []string{"c2"}},
	} {
		list, err := cs.Calls(ctx, tc.f)
		must(t, err, "Calls "+name)
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) {
			t.Errorf("Calls %s: %v, want %v", name, ids, tc.want)
		}
	}
	n, err := cs.CallCounts(ctx, base, base.Add(2*time.Hour))
	must(t, err, "CallCounts")
	if n.Calls != 2 || n.Answered != 1 || n.Abandoned != 1 || n.Seconds != 90 || n.AverageSeconds != 90 {
		t.Fatalf("counts %+v", n)
	}
}

// testCallBlocks: a block is in force until it expires, replaced by a second one of the number,
// and removed.
func testCallBlocks(t *testing.T, s dispatcher.Store) {
	cs := callStore(t, s)
	ctx := t.Context()
	soon := base.Add(time.Hour)
	must(t, cs.PutBlock(ctx, dispatcher.Block{Phone: "1", Reason: "骚扰", By: "lead1", At: base, ExpiresAt: &soon}), "PutBlock 1")
	must(t, cs.PutBlock(ctx, dispatcher.Block{Phone: "2", Reason: "恶意", By: "lead1", At: base.Add(time.Minute)}), "PutBlock 2")
	list, err := cs.Blocks(ctx, base)
	must(t, err, "Blocks")
	if len(list) != 2 || list[0].Phone != "2" || list[1].ExpiresAt == nil || !list[1].ExpiresAt.Equal(soon) {
		t.Fatalf("blocks %+v", list)
	}
	if list, _ := cs.Blocks(ctx, soon); len(list) != 1 || list[0].Phone != "2" {
		t.Fatalf("after the expiry: %+v", list)
	}
	must(t, cs.PutBlock(ctx, dispatcher.Block{Phone: "2", Reason: "再次恶意", By: "lead2", At: base}), "PutBlock again")
	must(t, cs.DeleteBlock(ctx, "1"), "DeleteBlock")
	if err := cs.DeleteBlock(ctx, "1"); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		t.Fatalf("deleting twice: %v", err)
	}
	if list, _ := cs.Blocks(ctx, base); len(list) != 1 || list[0].Reason != "再次恶意" {
		t.Fatalf("after replace and delete: %+v", list)
	}
}
