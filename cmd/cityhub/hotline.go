package main

import (
	"flag"
	"net/http"
	"os"

	"cityhub/dispatcher"
	"cityhub/intake/hotline"
)

// hotlineFlags declares the telephone system's shared secret (CITYHUB_HOTLINE_SECRET): with it the
// hub takes call events at POST /intake/hotline/calls; without it the route does not exist.
func hotlineFlags(fs *flag.FlagSet, cfg *Config) {
	fs.StringVar(&cfg.HotlineSecret, "hotline-secret", os.Getenv("CITYHUB_HOTLINE_SECRET"),
		"secret the telephone system signs its call events with (HMAC-SHA256); empty: no call events")
}

// startHotline builds the call events' handler; nil when no secret is configured.
func (m *Main) startHotline(signals dispatcher.Signals) http.Handler {
	if m.Config.HotlineSecret == "" {
		return nil
	}
	return hotline.New(m.svc, hotline.Options{Secret: m.Config.HotlineSecret, KV: m.shared.kvOr(m.store),
		Signals: signals, Log: m.Log})
}
