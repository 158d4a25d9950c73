package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres"
	"cityhub/redis"
	"cityhub/sqlite"
)

// openStore opens the store the configuration names: PostgreSQL for a postgres:// DSN, otherwise
// a SQLite file.
func openStore(ctx context.Context, cfg Config) (dispatcher.Store, error) {
	// A failed Open returns a nil *Store: it must not become a non-nil interface, whose Close
	// would then panic and hide the error.
	if cfg.isPostgres() {
		st, err := postgres.Open(ctx, cfg.DB)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	path, err := cfg.sqlitePath()
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(path)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// sharedParts are what instances share through Redis when it is configured: the doorbell, the
// rate limits, the sign-in back-off and the de-duplication windows; otherwise in-process
// equivalents.
type sharedParts struct {
	bus     dispatcher.Bus
	limits  dispatcher.Limiter
	backoff dispatcher.Backoff
	dedup   dispatcher.Deduper
	kv      dispatcher.KV                   // nil: the store's
	signals dispatcher.Signals              // a ringing call to the agent's consoles
	health  func(ctx context.Context) error // nil when nothing can fail
	closeFn func() error
}

func openShared(ctx context.Context, cfg Config, log *slog.Logger) (*sharedParts, error) {
	if cfg.Redis == "" {
		mem := dispatcher.NewMemoryLimits(nil)
		return &sharedParts{bus: dispatcher.NewLocalBus(), limits: mem, backoff: mem, dedup: mem,
			signals: dispatcher.NewLocalSignals(), closeFn: func() error { return nil }}, nil
	}
	c, err := redis.Open(ctx, cfg.Redis, cfg.RedisPrefix, log)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	return &sharedParts{bus: c, limits: c, backoff: c, dedup: c, kv: c.KV(), signals: c.Signals(), health: c.Ping,
		closeFn: c.Close}, nil
}

// kvOr is the KV the instances share: Redis when configured, else the store.
func (p *sharedParts) kvOr(store dispatcher.Store) dispatcher.KV {
	if p != nil && p.kv != nil {
		return p.kv
	}
	kv, _ := store.(dispatcher.KV)
	return kv
}

// newService builds the router and the service on a store that holds reference data.
// shared may be nil (one-shot commands): in-process parts are used.
func newService(ctx context.Context, store dispatcher.Store, cfg Config, log *slog.Logger, shared *sharedParts) (*dispatcher.Service, error) {
	ref, err := store.Reference(ctx)
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		return nil, fmt.Errorf("the store holds no reference data: run `cityhub import FOLDER` or `cityhub serve --demo`")
	}
	if err != nil {
		return nil, err
	}
	router, err := dispatcher.NewRoutingPolicy(ref)
	if err != nil {
		return nil, fmt.Errorf("jurisdictions: %w", err)
	}
	media, err := openMedia(store, cfg)
	if err != nil {
		return nil, err
	}
	return dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref,
		Logger: log, ManualDispatch: cfg.ManualDispatch, Bus: shared.busOrNil(), Deduper: shared.dedupOrNil(),
		Media: media})
}

func (p *sharedParts) busOrNil() dispatcher.Bus {
	if p == nil {
		return nil
	}
	return p.bus
}

func (p *sharedParts) dedupOrNil() dispatcher.Deduper {
	if p == nil {
		return nil
	}
	return p.dedup
}

// openMedia is where a store's attachments are kept: PostgreSQL keeps them itself, so that every
// instance serves them; a SQLite hub keeps them as files in the folder media beside its database
// file (so <data>/media by default).
func openMedia(store dispatcher.Store, cfg Config) (dispatcher.MediaStore, error) {
	switch st := store.(type) {
	case dispatcher.MediaStore:
		return st, nil
	case *sqlite.Store:
		path, err := cfg.sqlitePath()
		if err != nil {
			return nil, err
		}
		return sqlite.NewMediaStore(st, filepath.Join(filepath.Dir(path), "media"))
	}
	return nil, nil
}

// kvSweeper is a store's KV, whose expired rows stay until swept (Redis expires keys itself).
type kvSweeper interface {
	KVSweep(ctx context.Context, now time.Time) (int, error)
}

// sweepKV deletes the expired entries of the store's KV every ten minutes: WeChat conversations,
// claims of channel messages, access tokens, rate-limit windows.
func sweepKV(ctx context.Context, s kvSweeper, m *Main) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.KVSweep(ctx, time.Now()); err != nil && ctx.Err() == nil {
				m.Log.Warn("kv: sweeping expired entries", "err", err)
			}
		}
	}
}

// startKVSweep sweeps the store's KV when the instances share it through the store (Redis expires
// its keys itself).
func (m *Main) startKVSweep(bg context.Context) {
	if sweeper, ok := m.shared.kvOr(m.store).(kvSweeper); ok {
		m.goRun(func() { sweepKV(bg, sweeper, m) })
	}
}
