package dispatcher

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// awkward is text that every JSON encoder escapes in its own way unless it follows encoding/json:
// HTML characters, quotes and backslashes, control characters, U+2028 and U+2029, invalid UTF-8,
// the replacement character itself, and Chinese.
const awkward = "<script>alert(\"&\")</script> 占道\u2028\u2029 \x01\x1f\t\n \\ \xff\xfe \ufffd '"

// everyKindOfData is an event's data map holding a value of every kind the effects put there
// (change.go, effects.go, scheduler.go, submit.go): text, times and pointers to them, nil and
// empty lists, booleans, numbers, the domain structs and nested maps.
func everyKindOfData() map[string]any {
	at := time.Date(2026, 11, 27, 8, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	var none *time.Time
	return map[string]any{
		"text": awkward, "category": "0504", "unit": "QJ-SJ-DD",
		"deadline": &at, "old_deadline": at.UTC(), "no_deadline": none,
		"co_handlers": []string(nil), "media": []string{}, "owners": []string{"CMD", awkward},
		"automatic": true, "approved": false, "returns": 2, "unit_returns": 0, "score": 0.1 + 0.2,
		"limit":    Limit{Value: 4, Unit: WorkHour},
		"evidence": []Evidence{{Kind: "photo", Ref: awkward, SHA256: "ab", At: at}, {Kind: "video"}},
		"location": Location{Point: Point{Lat: 28.945603, Lng: 106.6512e-3}, Original: Point{Lat: -0.000001, Lng: 1e21},
			Datum: "gcj02", Address: awkward},
		"routing": Routing{Outcome: RouteToUnit, Unit: "QJ-SJ-DD", Resolution: 9, Exact: true,
			CoHandlers: []string{"QJ-ZTDD"}, Explanation: awkward},
		"labels": map[string]string{"b": awkward, "a": "一", "<": ">"},
		"nested": map[string]any{"z": nil, "y": []any{1, "二", 3.5}, "x": map[string]int{"k": 1}},
		awkward:  "a key that needs escaping",
		"\u2028": nil,
	}
}

// TestCanonicalJSONIsEncodingJSON: the data of events and the hashed form of events are encoded
// byte for byte as encoding/json encodes them, so hashes made before canonicalJSON changed encoder
// (or by any other implementation of the chain) still verify.
func TestCanonicalJSONIsEncodingJSON(t *testing.T) {
	data := everyKindOfData()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	spaced, err := json.MarshalIndent(data, "", "  ") // data read back from an older store
	if err != nil {
		t.Fatal(err)
	}
	cert := &Certificate{Number: awkward, ValidUntil: "2027-01-01"}
	values := []any{
		data, map[string]any{}, nil,
		hashedEvent{Seq: 3, Type: "case.dispatched", Action: awkward, Actor: Actor{Login: "u", Name: awkward,
			Role: "officer", Unit: "QJ-SJ-DD", Certificate: cert}, At: "2026-11-27T00:30:00.123456789Z",
			From: "registered", To: "dispatched", Owner: awkward, Reason: awkward, Data: raw},
		hashedEvent{Data: spaced},
		hashedEvent{Data: json.RawMessage(`  {"b" : [1, 2.50, "<&>"], "a":null}  `)},
		hashedEvent{Data: json.RawMessage("null")},
		hashedEventV2{V: HashV2, hashedEvent: hashedEvent{Seq: 2, Reason: awkward, Data: raw},
			Case:    hashedSummary{State: "dispatched", Address: awkward, Point: Point{Lat: 28.945603, Lng: 1e21}},
			Visible: []string{"CMD", awkward}, CaseDigest: "ab", Tallies: []TallyDelta{{Day: "2026-12-04",
				Measure: "received", Delta: -1, Keys: &[4]string{awkward, "", "0501", "web"}}, {Dim: "unit", Key: awkward}}},
		hashedEventV2{Visible: []string{}},
		hashedEventV3{V: HashV3, hashedEvent: hashedEvent{Seq: 2, Reason: awkward, Data: raw},
			Case: hashedSummaryV3{hashedSummary: hashedSummary{State: "in_progress", Address: awkward},
				Text: awkward, Arbitration: awkward, Extension: &hashedExtension{Reason: awkward, Limit: Limit{Value: 1, Unit: awkward}},
				CreatedAt: "2026-12-04T01:02:03.5Z", Version: 1 << 40},
			Visible: []string{awkward}, CaseDigest: "ab"},
		hashedEventV3{Visible: []string{}},
		Case{Text: awkward, Returns: map[string]int{awkward: 1, "a": 2}, Owners: []string{}, Media: []string{awkward},
			Reporter: Contact{Phone: "13800138000"}, Seal: []byte{1, 2}, Location: Location{Point: Point{Lat: -0.000001}}},
	}
	for _, v := range values {
		assertSameAsEncodingJSON(t, v)
	}
}

func assertSameAsEncodingJSON(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, gotErr := canonicalJSON(v)
	if (wantErr != nil) != (gotErr != nil) {
		t.Fatalf("canonicalJSON(%T) error %v, encoding/json error %v", v, gotErr, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("canonicalJSON(%T) =\n%s\nencoding/json wrote\n%s", v, got, want)
	}
}

// FuzzCanonicalJSONIsEncodingJSON holds canonicalJSON to encoding/json on any text in an event's
// fields and any valid JSON as its data.
func FuzzCanonicalJSONIsEncodingJSON(f *testing.F) {
	f.Add(awkward, `{"a":"<b>","c":[1,2]}`)
	f.Add("\xed\xa0\x80", ` [ "\u2028", 1e400 ] `)
	f.Add("", `"\ud800"`)
	f.Fuzz(func(t *testing.T, text, data string) {
		if !json.Valid([]byte(data)) {
			return // event data is always JSON written by an encoder
		}
		assertSameAsEncodingJSON(t, hashedEvent{Type: text, Actor: Actor{Name: text}, Reason: text,
			Data: json.RawMessage(data)})
		assertSameAsEncodingJSON(t, map[string]any{text: text, "list": []string{text}})
	})
}
