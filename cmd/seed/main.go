// Command seed fills a SQLite district with demo cases, for trying migrations and measures at
// scale: reports at random points of the urban streets, most of them taken through
// acknowledgement, handling and closure, some returned or voided.
//
//	go run ./cmd/seed --data DIR --cases 100000
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
	workers := flag.Int("workers", 16, "concurrent writers")
	flag.Parse()
	if err := run(*dir, *cases, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(dir string, n, workers int) error {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	svc, closeFn, err := openService(ctx, filepath.Join(dir, "cityhub.db"))
	if err != nil {
		return err
	}
	defer closeFn()
	start := time.Now()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 11))
			for next.Add(1) <= int64(n) {
				if err := oneCase(ctx, svc, rng); err != nil {
					failed.Add(1)
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	fmt.Printf("seeded %d cases (%d failed) in %s\n", n, failed.Load(), time.Since(start).Round(time.Millisecond))
	return nil
}

func openService(ctx context.Context, path string) (*dispatcher.Service, func(), error) {
	ref, err := refdata.Qijiang()
	if err != nil {
		return nil, nil, err
	}
	store, err := sqlite.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if _, err := store.Reference(ctx); dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		if err := store.SaveReference(ctx, ref); err != nil {
			return nil, nil, err
		}
	}
	router, err := dispatcher.NewRoutingPolicy(ref)
	if err != nil {
		return nil, nil, err
	}
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref})
	if err != nil {
		return nil, nil, err
	}
	for _, p := range ref.People {
		a := &dispatcher.Account{Login: p.Login, Name: p.Name, Role: p.Role, Unit: p.Unit, Certificate: p.Certificate}
		if err := svc.PutAccount(ctx, a, ""); err != nil {
			return nil, nil, err
		}
	}
	return svc, func() { store.Close() }, nil
}

var (
	actors = map[string]dispatcher.Actor{
		"gn":   {Login: "gn-1", Role: dispatcher.Officer, Unit: "QJ-GN-DD"},
		"lead": {Login: "gn-lead", Role: dispatcher.TeamLead, Unit: "QJ-GN-DD"},
		"insp": {Login: "insp1", Role: dispatcher.Inspector, Unit: dispatcher.CommandCentre},
		"op":   {Login: "op1", Role: dispatcher.Operator, Unit: dispatcher.CommandCentre},
		"sl":   {Login: "lead1", Role: dispatcher.ShiftLeader, Unit: dispatcher.CommandCentre},
	}
	categories = []string{"0501", "0504", "0505", "0102", "0301", "0101"}
)

// oneCase files a report in 古南 and takes it some way through its lifecycle.
func oneCase(ctx context.Context, svc *dispatcher.Service, rng *rand.Rand) error {
	p := dispatcher.Point{Lat: 28.94 + rng.Float64()*0.03, Lng: 106.58 + rng.Float64()*0.04}
	res, err := svc.Submit(ctx, actors["op"], dispatcher.Complaint{Channel: dispatcher.ChannelHotline,
		Category: categories[rng.IntN(len(categories))], Text: "演示数据：街面问题",
		Location: dispatcher.Location{Point: p, Original: p, Datum: dispatcher.WGS84}})
	if err != nil || res.Case.Owner != "QJ-GN-DD" {
		return err
	}
	steps := lifecycle(rng.IntN(10))
	for _, s := range steps {
		if _, err := svc.Act(ctx, actors[s.who], res.Case.ID, s.req); err != nil {
			return err
		}
	}
	return nil
}

type step struct {
	who string
	req dispatcher.ActionRequest
}

func lifecycle(kind int) []step {
	ack := step{"gn", dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge}}
	resolve := step{"gn", dispatcher.ActionRequest{Action: dispatcher.ActResolve, Text: "已处置"}}
	pass := step{"insp", dispatcher.ActionRequest{Action: dispatcher.ActPass}}
	follow := step{"op", dispatcher.ActionRequest{Action: dispatcher.ActFollowUp, Satisfaction: "满意"}}
	switch {
	case kind < 6:
		return []step{ack, resolve, pass, follow}
	case kind < 8:
		return []step{ack}
	case kind < 9:
		return []step{{"lead", dispatcher.ActionRequest{Action: dispatcher.ActReturn, Reason: "非本队辖区"}}}
	}
	return []step{{"sl", dispatcher.ActionRequest{Action: dispatcher.ActVoid, Reason: "重复录入"}}}
}
