package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"cityhub/dispatcher"
	"cityhub/geo"
	"cityhub/sqlite"
)

// world is what every worker shares: the store, the reference data, the router, the people who
// act, and the places and categories reports are drawn from.
type world struct {
	store  *sqlite.Store
	ref    *dispatcher.Reference
	router dispatcher.Router
	centre map[dispatcher.Role]dispatcher.Actor // one person of each centre role
	units  map[string]unitPeople                // unit code -> its team lead and officer
	places []place                              // where reports are made, weighted
	total  float64                              // the sum of places' weights
	cats   []string
}

type unitPeople struct{ lead, officer dispatcher.Actor }

// place is a jurisdiction with a few hot spots that most of its reports cluster around.
type place struct {
	j      *geo.Jurisdiction
	weight float64
	hot    []geo.Point
}

func openWorld(ctx context.Context, path string, cfg config) (*world, error) {
	ref, err := qijiang()
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, path, ref, cfg.synced)
	if err != nil {
		return nil, err
	}
	router, err := dispatcher.NewRoutingPolicy(ref)
	if err != nil {
		return nil, err
	}
	w := &world{store: store, ref: ref, router: router, centre: map[dispatcher.Role]dispatcher.Actor{},
		units: map[string]unitPeople{}}
	for _, c := range ref.Catalogue.Categories() {
		w.cats = append(w.cats, c.Code)
	}
	if err := w.people(ctx); err != nil {
		return nil, err
	}
	return w, w.placesOf(rand.New(rand.NewPCG(cfg.seed, 7)))
}

func (w *world) close() { w.store.Close() }

// service is a Service on the shared store whose clock is now.
func (w *world) service(now func() time.Time) (*dispatcher.Service, error) {
	return dispatcher.NewService(dispatcher.Config{Store: w.store, Router: w.router, Reference: w.ref, Now: now})
}

// people stores the demo accounts and picks who acts for the centre and for each unit.
func (w *world) people(ctx context.Context) error {
	svc, err := w.service(time.Now)
	if err != nil {
		return err
	}
	for _, p := range w.ref.People {
		a := &dispatcher.Account{Login: p.Login, Name: p.Name, Role: p.Role, Unit: p.Unit, Certificate: p.Certificate}
		if err := svc.PutAccount(ctx, a, ""); err != nil {
			return err
		}
		actor := dispatcher.Actor{Login: p.Login, Name: p.Name, Role: p.Role, Unit: p.Unit}
		u := w.units[p.Unit]
		switch {
		case p.Unit == dispatcher.CommandCentre:
			if _, ok := w.centre[p.Role]; !ok {
				w.centre[p.Role] = actor
			}
		case p.Role == dispatcher.TeamLead:
			u.lead = actor
		case p.Role == dispatcher.Officer && u.officer.Login == "":
			u.officer = actor
		}
		w.units[p.Unit] = u
	}
	return nil
}

// placesOf weights the jurisdictions (the urban streets most, the towns less, another
// authority's area a little) and picks each one's hot spots.
func (w *world) placesOf(rng *rand.Rand) error {
	js, err := geo.LoadJurisdictions(w.ref.Jurisdictions)
	if err != nil {
		return err
	}
	ix, err := geo.NewIndex(js, geo.DefaultResolution)
	if err != nil {
		return err
	}
	for i := range js {
		j := &js[i]
		p := place{j: j, weight: weightOf(j)}
		for range 6 {
			if pt, ok := pointIn(ix, j, rng); ok {
				p.hot = append(p.hot, pt)
			}
		}
		if len(p.hot) == 0 {
			return fmt.Errorf("no point found inside %s", j.Code)
		}
		w.places = append(w.places, p)
		w.total += p.weight
	}
	return nil
}

func weightOf(j *geo.Jurisdiction) float64 {
	switch {
	case j.Authority != "綦江区":
		return 0.4
	case j.Kind == "street":
		return 12
	}
	return 2
}

// pointIn draws a point uniformly from j's bounding box until one falls inside j.
func pointIn(ix *geo.Index, j *geo.Jurisdiction, rng *rand.Rand) (geo.Point, bool) {
	for range 2000 {
		p := geo.Point{Lat: j.Bound.Min.Lat() + rng.Float64()*(j.Bound.Max.Lat()-j.Bound.Min.Lat()),
			Lng: j.Bound.Min.Lon() + rng.Float64()*(j.Bound.Max.Lon()-j.Bound.Min.Lon())}
		if hit, ok := ix.Locate(p); ok && hit.Jurisdiction.Code == j.Code {
			return p, true
		}
	}
	return geo.Point{}, false
}

// point is where the next report is made: a jurisdiction by weight, then near one of its hot
// spots (about 300 m around it; the router decides whose it is, even across a border).
func (w *world) point(rng *rand.Rand) dispatcher.Point {
	x := rng.Float64() * w.total
	p := w.places[len(w.places)-1]
	for _, c := range w.places {
		if x -= c.weight; x < 0 {
			p = c
			break
		}
	}
	h := p.hot[rng.IntN(len(p.hot))]
	if rng.IntN(5) == 0 {
		h = p.hot[0] // the first hot spot is the hottest
	}
	dLat := rng.NormFloat64() * 300 / 111_000
	dLng := rng.NormFloat64() * 300 / (111_000 * math.Cos(h.Lat*math.Pi/180))
	return dispatcher.Point{Lat: h.Lat + dLat, Lng: h.Lng + dLng}
}
