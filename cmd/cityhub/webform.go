package main

import (
	"net/http"

	"cityhub/intake/webform"
)

// startWebForm builds the citizens' web channel (/report, /track): its limits are counted in the
// limiter the instances share, its challenges signed with a key kept in the shared KV.
func (m *Main) startWebForm() http.Handler {
	return webform.New(m.svc, webform.Options{Limiter: m.shared.limits, KV: m.shared.kvOr(m.store),
		Proxies: m.Config.TrustedProxies, MediaLimits: m.Config.MediaLimits, Limits: m.Config.WebFormLimits, Log: m.Log})
}
