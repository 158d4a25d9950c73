package web

import (
	"encoding/json"
	"testing"
)

// The JSON API names the coordinates of a report lat and lng, and its point errors say so: the
// hub has one point check (geo.CheckPoint), and each interface words its errors with its own names.
func TestPointErrorsNameTheJSONAPIsFields(t *testing.T) {
	h := newAPIHub(t)
	for _, c := range []struct {
		lat, lng float64
		datum    string
		field    string
	}{
		{91, 106.6, "", "lat"},
		{28.95, 180.5, "", "lng"},
		{28.95, -181, "gcj02", "lng"},
		{28.95, 106.6, "cgcs2000", "datum"},
	} {
		status, raw := h.call("op1", "POST", "/api/v1/complaints", map[string]any{"category": "0501",
			"lat": c.lat, "lng": c.lng, "datum": c.datum})
		var p struct{ Field string }
		_ = json.Unmarshal(raw, &p)
		if status != 400 || p.Field != c.field {
			t.Errorf("lat %v lng %v datum %q: %d field %q, want 400 naming %q: %s", c.lat, c.lng, c.datum, status, p.Field, c.field, raw)
		}
	}
}
