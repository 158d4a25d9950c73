package main

import (
	"fmt"
	"strings"
	"testing"
)

type problemDoc struct {
	Status int
	Detail string
	Code   string
	Field  string
}

// Every text field of a report is bounded, media URLs are http(s), a name given twice and a
// body over 64 KB are refused; the problem names the field and says what it should be in words.
func TestJSONInputIsChecked(t *testing.T) {
	h := startHub(t)
	op := h.login("op1")
	report := func(extra string) string {
		return `{"category":"0501","lat":28.95,"lng":106.60` + extra + `}`
	}
	long := func(n int) string { return strings.Repeat("字", n) }
	media := make([]string, 11)
	for i := range media {
		media[i] = `"https://img.example.cn/` + fmt.Sprint(i) + `.jpg"`
	}
	for _, c := range []struct {
		name, body, field string
		says              []string
	}{
		{"address", report(`,"address":"` + long(501) + `"`), "address", []string{"at most 500"}},
		{"reporter name", report(`,"reporter":{"name":"` + long(65) + `"}`), "reporter.name", []string{"at most 64"}},
		{"reporter phone", report(`,"reporter":{"phone":"` + strings.Repeat("1", 33) + `"}`), "reporter.phone", []string{"at most 32"}},
		{"reporter email", report(`,"reporter":{"email":"` + strings.Repeat("a", 250) + `@x.cn"}`), "reporter.email", []string{"at most 254"}},
		{"external id", report(`,"external_id":"` + strings.Repeat("x", 129) + `"`), "external_id", []string{"at most 128"}},
		{"a line break in a name", report(`,"reporter":{"name":"李\n四"}`), "reporter.name", []string{"line break"}},
		{"media count", report(`,"media":[` + strings.Join(media, ",") + `]`), "media", []string{"at most 10"}},
		{"media javascript", report(`,"media":["javascript:alert(1)"]`), "media", []string{"http or https"}},
		{"media ftp", report(`,"media":["ftp://files.example.cn/a.jpg"]`), "media", []string{"http or https"}},
		{"media length", report(`,"media":["https://img.example.cn/` + strings.Repeat("a", 2048) + `"]`), "media", []string{"at most 2048"}},
		{"duplicate name", report(`,"lat":0`), "lat", []string{"given twice"}},
		{"duplicate in another case", report(`,"reporter":{"name":"李四","NAME":"王五"}`), "reporter.name", []string{"given twice"}},
		{"wrong type", `{"category":"0501","lat":"north","lng":106.6}`, "lat", []string{"lat must be a number", "got string"}},
		{"list expected", report(`,"media":"https://img.example.cn/a.jpg"`), "media", []string{"media must be a list"}},
		{"not an object", `["0501"]`, "body", []string{"must be a JSON object"}},
	} {
		var p problemDoc
		h.do("POST", "/api/v1/complaints", op, c.body, 400, &p)
		if p.Field != c.field || p.Code != "invalid" {
			t.Errorf("%s: field %q code %q (%s), want field %q", c.name, p.Field, p.Code, p.Detail, c.field)
		}
		for _, s := range c.says {
			if !strings.Contains(p.Detail, s) {
				t.Errorf("%s: %q does not say %q", c.name, p.Detail, s)
			}
		}
		if strings.Contains(p.Detail, "float64") || strings.Contains(p.Detail, "[]string") || strings.Contains(p.Detail, "dispatcher.") {
			t.Errorf("%s: %q names a Go type", c.name, p.Detail)
		}
	}
	if n := h.caseCount(); n != 0 {
		t.Errorf("%d cases stored by refused reports", n)
	}

	// An action's fields too, and its types in words.
	var created struct{ Case struct{ Number string } }
	h.do("POST", "/api/v1/complaints", op, report(""), 201, &created)
	actions := "/api/v1/cases/" + created.Case.Number + "/actions"
	lead := h.login("lead1")
	for _, c := range []struct{ name, body, field, says string }{
		{"reason", `{"action":"note","reason":"` + long(4001) + `"}`, "reason", "at most 4000"},
		{"unit", `{"action":"reassign","unit":"` + strings.Repeat("U", 65) + `"}`, "unit", "at most 64"},
		{"evidence ref", `{"action":"note","evidence":[{"kind":"photo","ref":"` + strings.Repeat("r", 2049) + `"}]}`, "evidence.ref", "at most 2048"},
		{"limit", `{"action":"extend_request","limit":"3 days"}`, "limit", "limit must be an object"},
		{"limit value", `{"action":"extend_request","limit":{"value":1.5,"unit":"work_day"}}`, "limit.value", "limit.value must be a whole number"},
		{"evidence time", `{"action":"note","evidence":[{"kind":"photo","ref":"a","at":"yesterday"}]}`, "evidence.at", "RFC 3339"},
	} {
		var p problemDoc
		h.do("POST", actions, lead, c.body, 400, &p)
		if p.Field != c.field || !strings.Contains(p.Detail, c.says) || strings.Contains(p.Detail, "dispatcher.") {
			t.Errorf("action %s: field %q detail %q; want field %q saying %q", c.name, p.Field, p.Detail, c.field, c.says)
		}
	}

	// Oversized bodies answer 413 everywhere.
	big := `{"text":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, path := range []string{"/api/v1/complaints", actions, "/api/v1/login", "/api/v1/cases/" + created.Case.Number + "/contact"} {
		var p problemDoc
		h.do("POST", path, op, big, 413, &p)
		if p.Code != "too_large" {
			t.Errorf("%s with 70 KB: code %q", path, p.Code)
		}
	}
}

// Unknown filter values and parameters answer 400, naming the parameter.
func TestCaseFiltersAreChecked(t *testing.T) {
	h := startHub(t)
	op := h.login("op1")
	for query, field := range map[string]string{
		"state=bogus":          "state",
		"state=open,bogus":     "state",
		"channel=bogus":        "channel",
		"order=bogus":          "order",
		"open=maybe":           "open",
		"overdue=maybe":        "overdue",
		"category=9999":        "category",
		"unit=NOPE":            "unit",
		"owner=NOPE":           "owner",
		"jurisdiction=NOPE":    "jurisdiction",
		"stat=dispatched":      "stat",
		"state=x&state=y":      "state",
		"limit=5000":           "limit",
		"created_from=someday": "created_from",
	} {
		var p problemDoc
		h.do("GET", "/api/v1/cases?"+query, op, nil, 400, &p)
		if p.Field != field {
			t.Errorf("?%s: field %q (%s), want %q", query, p.Field, p.Detail, field)
		}
	}
	for _, query := range []string{"state=dispatched,closed", "channel=open311", "order=oldest", "order=newest", "open=true",
		"category=0501", "unit=QJ-GN-DD", "owner=CMD", "jurisdiction=QJ-GN", "limit=5&offset=0"} {
		h.do("GET", "/api/v1/cases?"+query, op, nil, 200, nil)
	}
}
