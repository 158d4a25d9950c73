package dispatcher_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/testclock"
	"cityhub/internal/teststore"
	"cityhub/refdata"
)

// A point inside 古南街道 (QJ-GN), owned by 古南大队 (QJ-GN-DD).
var guNan = dispatcher.Point{Lat: 28.95, Lng: 106.60}

var (
	sharedRouterOnce sync.Once
	sharedRouter     *dispatcher.RoutingPolicy
	sharedRef        *dispatcher.Reference
)

func qijiang(t testing.TB) (*dispatcher.Reference, *dispatcher.RoutingPolicy) {
	sharedRouterOnce.Do(func() {
		ref, err := refdata.Qijiang()
		if err != nil {
			panic(err)
		}
		r, err := dispatcher.NewRoutingPolicy(ref)
		if err != nil {
			panic(err)
		}
		sharedRef, sharedRouter = ref, r
	})
	return sharedRef, sharedRouter
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at is a wall-clock time in Asia/Shanghai.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

type fixture struct {
	svc   *dispatcher.Service
	store dispatcher.Store
	clock *testclock.Clock
	ctx   context.Context
}

// newFixture is a service on a fresh SQLite store with the Qijiang data and demo accounts, its
// clock at Wednesday 2026-11-25 10:00.
func newFixture(t testing.TB, manual bool) *fixture {
	t.Helper()
	return newFixtureOn(t, manual, nil)
}

// newFixtureOn is newFixture with the given bus (nil: the in-process bus).
func newFixtureOn(t testing.TB, manual bool, bus dispatcher.Bus) *fixture {
	t.Helper()
	ref, router := qijiang(t)
	store := teststore.Open(t)
	clock := testclock.New(at("2026-11-25 10:00"))
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref,
		Now: clock.Now, ManualDispatch: manual, Bus: bus})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, p := range ref.People {
		a := &dispatcher.Account{Login: p.Login, Name: p.Name, Role: p.Role, Unit: p.Unit, Certificate: p.Certificate}
		if err := svc.PutAccount(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{svc: svc, store: store, clock: clock, ctx: ctx}
}

// actor returns a demo account's actor.
func (f *fixture) actor(t testing.TB, login string) dispatcher.Actor {
	t.Helper()
	a, err := f.store.Account(f.ctx, login)
	if err != nil {
		t.Fatalf("account %s: %v", login, err)
	}
	return a.Actor()
}

// complaintAt is a hotline report of pavement vending (0501) at p.
func complaintAt(p dispatcher.Point) dispatcher.Complaint {
	return dispatcher.Complaint{
		Channel: dispatcher.ChannelHotline, Nature: "complaint", Category: "0501", Text: "人行道上有流动摊贩",
		Location: dispatcher.Location{Point: p, Original: p, Datum: dispatcher.WGS84, Address: "古南街道"},
		Reporter: dispatcher.Contact{Name: "张三", Phone: "13812345678"},
	}
}

func (f *fixture) submit(t testing.TB, nature, category string) *dispatcher.Case {
	t.Helper()
	cmp := complaintAt(guNan)
	cmp.Nature, cmp.Category = nature, category
	res, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return res.Case
}

func (f *fixture) act(t testing.TB, login string, c *dispatcher.Case, req dispatcher.ActionRequest) *dispatcher.Case {
	t.Helper()
	res, err := f.svc.Act(f.ctx, f.actor(t, login), c.ID, req)
	if err != nil {
		t.Fatalf("%s by %s on %s (%s): %v", req.Action, login, c.Number, c.State, err)
	}
	return res.Case
}
