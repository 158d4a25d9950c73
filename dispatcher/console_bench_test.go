package dispatcher_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	D "cityhub/dispatcher"
	"cityhub/geo"
)

// openCases fills the fixture's store with n open reports of pavement vending (0501) at points
// spread over about 3 km around 古南's centre, filed by 8 writers at once (the store's group
// commit), as the busiest day of a district might leave them: the worst case for a nearby search,
// since every case is of the category searched for.
func openCases(b *testing.B, f *fixture, n int) {
	b.Helper()
	op := f.actor(b, "op1")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 12))
			for range n / 8 {
				cmp := complaintAt(D.Point{Lat: guNan.Lat + (rng.Float64()-0.5)*0.027, Lng: guNan.Lng + (rng.Float64()-0.5)*0.03})
				if _, err := f.svc.Submit(f.ctx, op, cmp); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkConsole5000 is what the consoles read with 5,000 open cases in the store: a
// dispatcher's snapshot, and a nearby search among 5,000 open cases of the same category.
func BenchmarkConsole5000(b *testing.B) {
	f := newFixture(b, false)
	openCases(b, f, 5000)
	b.Run("snapshot", func(b *testing.B) {
		disp := f.actor(b, "disp1")
		for b.Loop() {
			snap, err := f.svc.Snapshot(f.ctx, disp)
			if err != nil || len(snap.Cases) != 5000 {
				b.Fatalf("%d cases, %v", len(snap.Cases), err)
			}
		}
	})
	b.Run("nearby", func(b *testing.B) {
		op := f.actor(b, "op1")
		for b.Loop() {
			if _, err := f.svc.Nearby(f.ctx, op, guNan, "0501"); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The baseline: what the nearby search read before it went through the H3 cells around the
	// point (issue 15): every open case of the category reported in 30 days, then the distance.
	b.Run("nearby-scan-baseline", func(b *testing.B) {
		open := true
		for b.Loop() {
			page, err := f.store.ListCases(f.ctx, D.CaseFilter{Open: &open, Category: "0501",
				CreatedFrom: f.svc.Now().Add(-D.DuplicateWindow), Limit: 20000})
			if err != nil {
				b.Fatal(err)
			}
			near := 0
			for _, c := range page.Cases {
				if geo.Distance(guNan, c.Location.Point) <= D.DuplicateRadius {
					near++
				}
			}
		}
	})
}
