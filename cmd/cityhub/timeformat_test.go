package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// rfc3339 finds every RFC 3339 time in a JSON text.
var rfc3339 = regexp.MustCompile(`"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))"`)

// TestOneTimeFormatInTheJSONAPI: a field shows the same text whether the case was just written or
// read again, and every time of the JSON API is in UTC ("Z"), the stream's and the events' too.
func TestOneTimeFormatInTheJSONAPI(t *testing.T) {
	h := startHub(t)
	op := h.login("op1")
	var created struct {
		Case json.RawMessage `json:"case"`
	}
	h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
		"text": "占道经营"}, 201, &created)
	var number struct{ Number string }
	_ = json.Unmarshal(created.Case, &number)
	var read struct {
		Case   json.RawMessage `json:"case"`
		Events json.RawMessage `json:"events"`
	}
	h.do("GET", "/api/v1/cases/"+number.Number, op, nil, 200, &read)

	var a, b struct {
		Clocks    json.RawMessage `json:"clocks"`
		CreatedAt string          `json:"created_at"`
		NextDue   string          `json:"next_due"`
	}
	_ = json.Unmarshal(created.Case, &a)
	_ = json.Unmarshal(read.Case, &b)
	if string(a.Clocks) != string(b.Clocks) || a.CreatedAt != b.CreatedAt || a.NextDue != b.NextDue {
		t.Errorf("the case as written and as read show its times differently:\n%s %s %s\n%s %s %s",
			a.Clocks, a.CreatedAt, a.NextDue, b.Clocks, b.CreatedAt, b.NextDue)
	}
	for name, body := range map[string]string{"POST answer": string(created.Case), "GET case": string(read.Case),
		"events": string(read.Events)} {
		times := rfc3339.FindAllStringSubmatch(body, -1)
		if len(times) == 0 {
			t.Fatalf("%s: no times found", name)
		}
		for _, m := range times {
			if !strings.HasSuffix(m[1], "Z") {
				t.Errorf("%s: time %s is not in UTC", name, m[1])
			}
		}
	}
}
