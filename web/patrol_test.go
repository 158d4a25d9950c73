package web

import (
	"encoding/json"
	"testing"

	"cityhub/dispatcher"
)

// TestPatrolReportChannel: an inspector's report through POST /api/v1/complaints is a patrol
// report (channel inspector) unless it names another channel; nobody else may file on that
// channel; the case list filters by it.
func TestPatrolReportChannel(t *testing.T) {
	h := newAPIHub(t)
	body := map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60, "text": "人行道上有流动摊贩"}
	var out struct{ Case dispatcher.Case }
	if err := json.Unmarshal(h.mustCall("insp1", "POST", "/api/v1/complaints", body, 201), &out); err != nil {
		t.Fatal(err)
	}
	if out.Case.Channel != dispatcher.ChannelInspector {
		t.Errorf("an inspector's report came in on %q, want inspector", out.Case.Channel)
	}
	body["channel"] = "inspector"
	if status, raw := h.call("op1", "POST", "/api/v1/complaints", body); status != 403 {
		t.Errorf("an operator filing on the inspector channel: %d %s, want 403", status, raw)
	}
	var page dispatcher.CasePage
	if err := json.Unmarshal(h.mustCall("lead1", "GET", "/api/v1/cases?channel=inspector", nil, 200), &page); err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Cases[0].Number != out.Case.Number {
		t.Errorf("cases on the inspector channel: %d, want the patrol report", page.Total)
	}
}
