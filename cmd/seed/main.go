// Command seed fills a SQLite district with demo cases, for trying migrations, measures, hot spots
// and the display screen at scale. Every case goes through the service (Submit and Act, as a
// person or an intake adapter would), so cases, events, tallies and hash chains are exactly what
// the hub itself writes; nothing is written behind its back.
//
// With --days N the reports are spread over the last N days: each worker runs its own Service
// whose injected clock (Config.Now) is set to the case's report time and moved forward through
// its lifecycle, so every event, deadline and tally falls on the day it would have. Reports
// come in on every channel, in every category, at points clustered around a few hot spots
// inside every jurisdiction of the district (and a few in another authority's area, which are
// transferred); the lifecycle mix has closures, follow-ups, returns, arbitrations, reworks,
// extensions, voids, answered inquiries and, near the end, open and overdue cases.
//
// The store is opened unsynced (sqlite.Unsynced: commits do not wait for the disk), which about
// doubles the rate on a busy machine; --synced waits as the hub does. An interrupted run goes on
// with --resume (the cases in the store count as the first ones, on the same days).
//
//	go run ./cmd/seed --data DIR --cases 1000000 --days 730
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"cityhub/dispatcher"
	"cityhub/refdata"
	"cityhub/sqlite"
)

func main() {
	dir := flag.String("data", "./data-seed", "data directory (the SQLite file is cityhub.db in it)")
	cases := flag.Int("cases", 10000, "cases to create")
	days := flag.Int("days", 730, "spread the reports over this many days up to now (0: all now)")
	workers := flag.Int("workers", 8, "concurrent writers, each with its own service and clock")
	seed := flag.Uint64("seed", 1, "random seed")
	resume := flag.Bool("resume", false, "count the cases already in the store as the first of --cases (after an interrupted run)")
	synced := flag.Bool("synced", false, "wait for the disk at every commit, as the hub does (about half as fast)")
	flag.Parse()
	cfg := config{dir: *dir, cases: *cases, days: *days, workers: *workers, seed: *seed, end: time.Now(),
		resume: *resume, synced: *synced}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

type config struct {
	dir                  string
	cases, days, workers int
	seed                 uint64
	end                  time.Time // "now": no event is written after it
	resume, synced       bool
}

// run seeds cfg.cases cases with cfg.workers writers and reports progress and throughput.
func run(cfg config) error {
	ctx := context.Background()
	if err := os.MkdirAll(cfg.dir, 0o750); err != nil {
		return err
	}
	w, err := openWorld(ctx, filepath.Join(cfg.dir, "cityhub.db"), cfg)
	if err != nil {
		return err
	}
	defer w.close()
	start := time.Now()
	var next, failed atomic.Int64
	first, err := w.firstCase(ctx, cfg)
	if err != nil {
		return err
	}
	next.Store(first)
	stop := progress(&next, first, cfg.cases, start)
	var wg sync.WaitGroup
	for i := 0; i < cfg.workers; i++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			failed.Add(w.work(ctx, cfg, &next, seed))
		}(cfg.seed*1000 + uint64(i))
	}
	wg.Wait()
	stop()
	took := time.Since(start)
	fmt.Printf("seeded %d cases (%d failed) in %s: %.0f cases/s\n", int64(cfg.cases)-first, failed.Load(),
		took.Round(time.Millisecond), float64(int64(cfg.cases)-first)/took.Seconds())
	n, err := w.tickAll(ctx, cfg.end)
	fmt.Printf("scheduler: %d deadline marks written at the end\n", n)
	return err
}

// firstCase is the index of the first case to seed: 0, or with --resume the cases there already
// (so that an interrupted run goes on where it stopped, on the same days).
func (w *world) firstCase(ctx context.Context, cfg config) (int64, error) {
	if !cfg.resume {
		return 0, nil
	}
	page, err := w.store.ListCases(ctx, dispatcher.CaseFilter{Limit: 1})
	if err != nil {
		return 0, err
	}
	fmt.Printf("resuming after the %d cases in the store\n", page.Total)
	return int64(page.Total), nil
}

// progress prints a line every 30 seconds until the returned stop is called.
func progress(done *atomic.Int64, first int64, total int, start time.Time) func() {
	t := time.NewTicker(30 * time.Second)
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				n := min(done.Load(), int64(total))
				rate := float64(n-first) / time.Since(start).Seconds()
				eta := time.Duration(float64(int64(total)-n)/max(rate, 1)) * time.Second
				fmt.Printf("%s %d/%d cases, %.0f/s, eta %s\n", time.Now().Format("15:04:05"), n, total, rate, eta)
			}
		}
	}()
	return func() { t.Stop(); close(quit) }
}

// work seeds cases until the shared counter passes cfg.cases, and returns how many failed. Its
// service's clock is its own, so workers do not move each other's time.
func (w *world) work(ctx context.Context, cfg config, next *atomic.Int64, seed uint64) int64 {
	clk := &fakeClock{}
	svc, err := w.service(clk.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		return 1
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	var failed int64
	for {
		i := next.Add(1) - 1
		if i >= int64(cfg.cases) {
			return failed
		}
		c := caseRun{w: w, svc: svc, clk: clk, rng: rng, end: cfg.end}
		if err := c.seed(ctx, reportTime(cfg, i, rng)); err != nil {
			if failed++; failed <= 5 {
				fmt.Fprintln(os.Stderr, "seed: case:", err)
			}
		}
	}
}

// reportTime spreads case i of n evenly over the days (so the store grows in time order, as a
// real one does), at an hour of the day weighted towards office hours.
func reportTime(cfg config, i int64, rng *rand.Rand) time.Time {
	if cfg.days <= 0 {
		return cfg.end.Add(-time.Duration(rng.IntN(3600)) * time.Second)
	}
	loc := cfg.end.Location()
	first := cfg.end.AddDate(0, 0, -cfg.days+1)
	day := int(i * int64(cfg.days) / int64(cfg.cases))
	d := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, day)
	t := d.Add(hourOfDay(rng))
	if t.After(cfg.end) {
		t = cfg.end.Add(-time.Duration(rng.IntN(600)) * time.Second)
	}
	return t
}

// hourOfDay is a time of day: most reports between 8:00 and 21:00, a few at night.
func hourOfDay(rng *rand.Rand) time.Duration {
	if rng.IntN(10) == 0 {
		return time.Duration(rng.Int64N(int64(24 * time.Hour)))
	}
	return 8*time.Hour + time.Duration(rng.Int64N(int64(13*time.Hour)))
}

// fakeClock is one worker's time: set to a case's report time, moved forward by each step.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time                { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Set(t time.Time)               { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) Add(d time.Duration) time.Time { return time.Unix(0, c.ns.Add(int64(d))) }

// tickAll runs the scheduler at the real end time until it has nothing left to mark, so that the
// cases left open are warned and marked overdue as a running hub would have.
func (w *world) tickAll(ctx context.Context, end time.Time) (int, error) {
	svc, err := w.service(func() time.Time { return end })
	if err != nil {
		return 0, err
	}
	total := 0
	for range 10000 {
		n, err := svc.Tick(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, nil
}

// openStore opens (creating if needed) the SQLite store with the Qijiang reference data and the
// demo accounts.
func openStore(ctx context.Context, path string, ref *dispatcher.Reference, synced bool) (*sqlite.Store, error) {
	var opts []sqlite.Option
	if !synced {
		opts = append(opts, sqlite.Unsynced())
	}
	store, err := sqlite.Open(path, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := store.Reference(ctx); dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		if err := store.SaveReference(ctx, ref); err != nil {
			return nil, err
		}
	}
	return store, nil
}

func qijiang() (*dispatcher.Reference, error) { return refdata.Qijiang() }
