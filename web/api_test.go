package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/teststore"
	"cityhub/refdata"
)

// apiHub is the JSON API on a fresh store with the Qijiang demo data and accounts.
type apiHub struct {
	t      testing.TB
	svc    *dispatcher.Service
	srv    *httptest.Server
	tokens map[string]string
}

func newAPIHub(t testing.TB) *apiHub {
	t.Helper()
	ref, err := refdata.Qijiang()
	if err != nil {
		t.Fatal(err)
	}
	router, err := dispatcher.NewRoutingPolicy(ref)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC) // Wednesday 10:00 in Chongqing
	svc, err := dispatcher.NewService(dispatcher.Config{Store: teststore.Open(t), Router: router, Reference: ref,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ref.People {
		a := &dispatcher.Account{Login: p.Login, Name: p.Name, Role: p.Role, Unit: p.Unit, Certificate: p.Certificate}
		if err := svc.PutAccount(context.Background(), a, ""); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(New(Config{Service: svc}).Handler())
	t.Cleanup(srv.Close)
	return &apiHub{t: t, svc: svc, srv: srv, tokens: map[string]string{}}
}

func (h *apiHub) token(login string) string {
	h.t.Helper()
	if tok, ok := h.tokens[login]; ok {
		return tok
	}
	tok, err := h.svc.CreateToken(context.Background(), login)
	if err != nil {
		h.t.Fatal(err)
	}
	h.tokens[login] = tok
	return tok
}

// call sends a request as login (body: a value to encode, or a string of raw JSON) and returns
// the status and body.
func (h *apiHub) call(login, method, path string, body any) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.token(login))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func (h *apiHub) mustCall(login, method, path string, body any, want int) []byte {
	h.t.Helper()
	status, raw := h.call(login, method, path, body)
	if status != want {
		h.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, login, status, want, raw)
	}
	return raw
}

// report files a report in 古南 (dispatched to 古南大队) as op1 and returns the case.
func (h *apiHub) report(externalID string) dispatcher.Case {
	h.t.Helper()
	var out struct{ Case dispatcher.Case }
	raw := h.mustCall("op1", "POST", "/api/v1/complaints", map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
		"channel": "wechat", "external_id": externalID, "reporter": map[string]string{"name": "张三", "phone": "13812345678"}}, 201)
	if err := json.Unmarshal(raw, &out); err != nil {
		h.t.Fatal(err)
	}
	return out.Case
}

const reporterPhone = "13812345678"

// Full numbers go only to operators and shift leaders, in every place the JSON API serves a case:
// the case, the list, an action's answer and a report's answer (a duplicate is an earlier report).
func TestPhonesInFullOnlyForTheRolesThatCallBack(t *testing.T) {
	h := newAPIHub(t)
	c := h.report("wx-1")
	num := "/api/v1/cases/" + c.Number
	for _, login := range []string{"op1", "lead1", "disp1", "insp1", "legal1", "boss", "admin", "gn-lead", "gn-1", "gn-aux"} {
		full := login == "op1" || login == "lead1"
		bodies := map[string][]byte{
			"case": h.mustCall(login, "GET", num, nil, 200),
			"list": h.mustCall(login, "GET", "/api/v1/cases", nil, 200),
		}
		if status, raw := h.call(login, "POST", num+"/actions", map[string]any{"action": "note", "text": "已阅"}); status == 200 {
			bodies["action"] = raw
		} else if login != "admin" { // admin takes no action on cases
			t.Errorf("%s: note refused: %s", login, raw)
		}
		if slices.Contains([]string{"op1", "lead1", "disp1", "insp1"}, login) { // the roles that log reports
			bodies["submit (duplicate)"] = h.mustCall(login, "POST", "/api/v1/complaints", map[string]any{"category": "0501",
				"lat": 28.95, "lng": 106.60, "channel": "wechat", "external_id": "wx-1"}, 200)
		}
		for where, raw := range bodies {
			if got := bytes.Contains(raw, []byte(reporterPhone)); got != full {
				t.Errorf("%s, %s: the full number served: %v, want %v", login, where, got, full)
			}
		}
	}
	// Admin never sees it, not even by the audited reveal; a legal reviewer or an auxiliary may not reveal.
	for _, login := range []string{"admin", "legal1", "gn-aux"} {
		if status, raw := h.call(login, "POST", num+"/contact", map[string]string{"reason": "核实"}); status != 403 {
			t.Errorf("%s revealed the contact: %d %s", login, status, raw)
		}
	}
	for _, login := range []string{"disp1", "insp1", "boss", "gn-lead", "gn-1"} {
		if raw := h.mustCall(login, "POST", num+"/contact", map[string]string{"reason": "核实"}, 200); !bytes.Contains(raw, []byte(reporterPhone)) {
			t.Errorf("%s: reveal answered %s", login, raw)
		}
	}
}

// A 三江 member gets the same answer for a 古南 case as for a case that does not exist: same status,
// same body, by number and by numeric id, on every case route.
func TestInvisibleAndMissingCasesAnswerTheSame(t *testing.T) {
	h := newAPIHub(t)
	c := h.report("wx-2")
	missingNumber := c.Number[:len(c.Number)-6] + "999999"
	keys := [][2]string{{c.Number, missingNumber}, {strconv.FormatInt(c.ID, 10), strconv.FormatInt(c.ID+1000, 10)}}
	routes := []struct {
		method, suffix string
		body           any
	}{
		{"GET", "", nil}, {"GET", "/events", nil},
		{"POST", "/actions", map[string]any{"action": "note", "text": "看看"}},
		{"POST", "/contact", map[string]string{"reason": "看看"}},
	}
	var first []byte
	for _, r := range routes {
		for _, k := range keys {
			s1, invisible := h.call("sj-lead", r.method, "/api/v1/cases/"+k[0]+r.suffix, r.body)
			s2, missing := h.call("sj-lead", r.method, "/api/v1/cases/"+k[1]+r.suffix, r.body)
			if s1 != 404 || s2 != 404 || !bytes.Equal(invisible, missing) {
				t.Errorf("%s %s: invisible %d %s; missing %d %s", r.method, r.suffix, s1, invisible, s2, missing)
			}
			if first == nil {
				first = invisible
			} else if !bytes.Equal(first, invisible) {
				t.Errorf("%s %s by %s: %s, elsewhere %s", r.method, r.suffix, k[0], invisible, first)
			}
		}
	}
}

// eventFields are the fields the events API serves, and no others.
var eventFields = []string{"id", "case_id", "seq", "type", "action", "actor", "at", "from", "to", "owner",
	"reason", "data", "prev_hash", "hash", "case"}

// The events API sends no officer's certificate (the stream does not either), and serves the
// listed fields only.
func TestEventsServeNoCertificateAndOnlyTheListedFields(t *testing.T) {
	h := newAPIHub(t)
	c := h.report("wx-3")
	num := "/api/v1/cases/" + c.Number
	h.mustCall("gn-1", "POST", num+"/actions", map[string]any{"action": "acknowledge"}, 200)
	acted := h.mustCall("gn-1", "POST", num+"/actions", map[string]any{"action": "resolve", "text": "已劝离"}, 200)
	var served []json.RawMessage
	for name, raw := range map[string][]byte{"case": h.mustCall("gn-aux", "GET", num, nil, 200),
		"events": h.mustCall("gn-aux", "GET", num+"/events", nil, 200), "action": acted} {
		if bytes.Contains(raw, []byte("渝执")) || bytes.Contains(raw, []byte("certificate")) {
			t.Errorf("%s: a certificate is served: %s", name, raw)
		}
		var withEvents struct{ Events []json.RawMessage }
		if name == "events" {
			_ = json.Unmarshal(raw, &withEvents.Events)
		} else {
			_ = json.Unmarshal(raw, &withEvents)
		}
		if len(withEvents.Events) == 0 {
			t.Fatalf("%s: no events in %s", name, raw)
		}
		served = append(served, withEvents.Events...)
	}
	for _, raw := range served {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatal(err)
		}
		for k := range fields {
			if !slices.Contains(eventFields, k) {
				t.Errorf("event field %q served: %s", k, raw)
			}
		}
		var actor map[string]any
		_ = json.Unmarshal(fields["actor"], &actor)
		for k := range actor {
			if !slices.Contains([]string{"login", "name", "role", "unit"}, k) {
				t.Errorf("actor field %q served", k)
			}
		}
	}
}

// Whether a resolution is an enforcement act is not the client's to say: the flags are gone from
// the request, and an unknown field is refused with a 400 that names it.
func TestActionRequestCarriesNoEnforcementFlags(t *testing.T) {
	h := newAPIHub(t)
	c := h.report("wx-4")
	num := "/api/v1/cases/" + c.Number
	h.mustCall("gn-2", "POST", num+"/actions", map[string]any{"action": "acknowledge"}, 200)
	for _, field := range []string{"enforcement_act", "major"} {
		raw := h.mustCall("gn-2", "POST", num+"/actions", `{"action":"resolve","text":"罚款","`+field+`":false}`, 400)
		var p problem
		if err := json.Unmarshal(raw, &p); err != nil || p.Field != field {
			t.Errorf("%s: %s", field, raw)
		}
	}
	// The expired certificate shows in the decision the officer records.
	fine := `{"action":"resolve","text":"当场罚款","decision":{"kind":"fine","amount":200,"text":"罚款 200 元"}}`
	h.mustCall("gn-2", "POST", num+"/actions", fine, 403)
	h.mustCall("gn-1", "POST", num+"/actions", fine, 200)
}
