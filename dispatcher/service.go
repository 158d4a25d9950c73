package dispatcher

import (
	"cityhub/geo"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Config wires a Service.
type Config struct {
	Store     Store
	Router    Router
	Bus       Bus
	Reference *Reference
	Now       func() time.Time // injected so tests can travel; time.Now by default
	Logger    *slog.Logger
	// ManualDispatch turns the automatic policy off: reports then wait in "received" for the
	// centre to register and dispatch them by hand.
	ManualDispatch bool
	// Deduper remembers recent reports by category and place, so that a repeat report is flagged
	// as a likely duplicate of the earlier case (in Redis when several instances run). Nil: an
	// in-process window.
	Deduper Deduper
	// RepeatWindow is how long a report counts as recent for that (default 2 hours).
	RepeatWindow time.Duration
	// Media keeps uploaded attachments; nil: the hub takes none (hashes in media are refused).
	Media MediaStore
}

// Service is the only writer of case state: every change goes through Submit, Act or Tick.
type Service struct {
	store    Store
	media    MediaStore
	bus      Bus
	dedup    Deduper
	repeat   time.Duration
	now      func() time.Time
	log      *slog.Logger
	auto     bool
	mu       sync.RWMutex // guards the reference view below
	router   Router
	ref      *Reference
	cal      *Calendar
	units    map[string]Unit
	cats     map[string]Category
	natures  map[string]Nature
	places   map[string]string // jurisdiction code -> name
	maxRetry int
	apiKeys  keyCache

	publishFailures atomic.Int64
	publishLogged   atomic.Int64 // unix seconds of the last publish-failure log line
}

// NewService checks the configuration and builds the reference view.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Router == nil || cfg.Reference == nil {
		return nil, fmt.Errorf("dispatcher: Store, Router and Reference are required")
	}
	s := &Service{store: cfg.Store, media: cfg.Media, bus: cfg.Bus, now: cfg.Now, log: cfg.Logger,
		auto: !cfg.ManualDispatch, maxRetry: 5, dedup: cfg.Deduper, repeat: cfg.RepeatWindow}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.bus == nil {
		s.bus = NewLocalBus()
	}
	if s.dedup == nil {
		s.dedup = NewMemoryLimits(s.now)
	}
	if s.repeat <= 0 {
		s.repeat = 2 * time.Hour
	}
	return s, s.Reconfigure(cfg.Reference, cfg.Router)
}

// Reconfigure replaces the reference view (units, catalogue, calendar) and the router built from
// the same reference data, at once: another instance (or an import) changed them.
func (s *Service) Reconfigure(ref *Reference, router Router) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	cal, err := NewCalendar(ref.Calendar)
	if err != nil {
		return err
	}
	units := map[string]Unit{}
	for _, u := range ref.Units {
		units[u.Code] = u
	}
	cats := map[string]Category{}
	for _, c := range ref.Catalogue.Categories() {
		cats[c.Code] = c
	}
	natures := map[string]Nature{}
	for _, n := range ref.Catalogue.Natures {
		natures[n.Code] = n
	}
	places := jurisdictionNames(ref, router)
	s.mu.Lock()
	s.ref, s.cal, s.units, s.cats, s.natures, s.places, s.router = ref, cal, units, cats, natures, places, router
	s.mu.Unlock()
	return nil
}

// jurisdictionNames are the codes and names of the reference data's jurisdictions: the router's
// own when it knows them (the RoutingPolicy parsed them already), otherwise as geo reads them
// (none when the polygons cannot be read: a router refuses them anyway).
func jurisdictionNames(ref *Reference, router Router) map[string]string {
	names := map[string]string{}
	var js []geo.Jurisdiction
	if r, ok := router.(interface{ Jurisdictions() []geo.Jurisdiction }); ok {
		js = r.Jurisdictions()
	} else if parsed, err := geo.LoadJurisdictions(ref.Jurisdictions); err == nil {
		js = parsed
	}
	for _, j := range js {
		names[j.Code] = j.Name
	}
	return names
}

// Jurisdiction looks a jurisdiction up by code and returns its name.
func (s *Service) Jurisdiction(code string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := s.places[code]
	return name, ok
}

// Router returns the router in force.
func (s *Service) Router() Router {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.router
}

// Reference returns the reference data in force.
func (s *Service) Reference() *Reference {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ref
}

// Calendar returns the work calendar in force.
func (s *Service) Calendar() *Calendar {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cal
}

// Unit looks a unit up by code.
func (s *Service) Unit(code string) (Unit, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.units[code]
	return u, ok
}

// Category looks a category up by code.
func (s *Service) Category(code string) (Category, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cats[code]
	return c, ok
}

func (s *Service) nature(code string) (Nature, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.natures[code]
	return n, ok
}

// Store returns the store (for readers such as the websocket hub).
func (s *Service) Store() Store { return s.store }

// Bus returns the wake-up bus.
func (s *Service) Bus() Bus { return s.bus }

// Now is the service's clock, in UTC to the microsecond: every time the domain writes (on cases,
// in events and their data) is in UTC, as the stores give it back, so that the JSON API shows one
// format for a field whether the case was just written or read again.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// publish rings the bus with the id of the last of events, which are committed. Publish never
// blocks (the Bus contract), so the write's caller is answered at once; a wake-up that never goes
// out (the process is killed first) delays consoles on other instances by at most their poll
// interval, since every event is in the store.
func (s *Service) publish(ctx context.Context, events []*Event) {
	if len(events) == 0 {
		return
	}
	if err := s.bus.Publish(ctx, events[len(events)-1].ID); err != nil {
		s.publishFailures.Add(1)
		now := time.Now().Unix()
		if last := s.publishLogged.Load(); now-last >= 60 && s.publishLogged.CompareAndSwap(last, now) {
			s.log.Warn("bus publish failed; consoles fall back to polling the store", "err", err,
				"failures", s.publishFailures.Swap(0))
		}
	}
}
