package main

import (
	"context"
	"fmt"
	"log/slog"

	"cityhub/dispatcher"
	"cityhub/geo"
	"cityhub/sqlite"
)

// openStore opens the store the configuration names.
func openStore(cfg Config) (dispatcher.Store, error) {
	path, err := cfg.sqlitePath()
	if err != nil {
		return nil, err
	}
	return sqlite.Open(path)
}

// newService builds the router and the service on a store that holds reference data.
func newService(ctx context.Context, store dispatcher.Store, cfg Config, log *slog.Logger) (*dispatcher.Service, error) {
	ref, err := store.Reference(ctx)
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		return nil, fmt.Errorf("the store holds no reference data: run `cityhub import FOLDER` or `cityhub serve --demo`")
	}
	if err != nil {
		return nil, err
	}
	router, err := geo.NewRouter(ref)
	if err != nil {
		return nil, fmt.Errorf("jurisdictions: %w", err)
	}
	return dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref,
		Logger: log, ManualDispatch: cfg.ManualDispatch})
}
