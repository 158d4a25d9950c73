package postgres

import (
	stdjson "encoding/json"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// TestBodiesAreWhatEncodingJSONWrites: the store's encoder writes a case and an event byte for
// byte as encoding/json does (which the hash chain and every reader of a body expect), with text
// that needs escaping, empty and nil lists, maps and times in other zones; and decodes them back.
func TestBodiesAreWhatEncodingJSONWrites(t *testing.T) {
	c, evs, _ := benchCase(7)
	c.Text = "<script>alert(\"&\")</script> 行人道\u2028\u2029 \x01 \\ \ufffd"
	c.Reporter.Name = "O'Brien \"张\""
	c.Returns = map[string]int{"QJ-GN-DD": 2, "QJ-WD-DD": 1}
	c.Media = []string{}
	c.Owners = nil
	closed := time.Date(2026, 11, 27, 8, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	c.ClosedAt = &closed
	c.Location.Point = dispatcher.Point{Lat: 29.0312345678901, Lng: 106.6512e-3}
	e := evs[1]
	e.Reason = c.Text
	for _, v := range []any{c, e, []string{}, []string(nil)} {
		want, err := stdjson.Marshal(v)
		must(t, err, "encoding/json")
		got, err := encode(v)
		must(t, err, "encode")
		if got != string(want) {
			t.Errorf("encode(%T) =\n%s\nencoding/json wrote\n%s", v, got, want)
		}
	}
	// An event the hub has just made carries data that encoding/json wrote.
	data, err := stdjson.Marshal(map[string]any{"text": c.Text, "reporter": c.Reporter, "returns": c.Returns})
	must(t, err, "encoding/json")
	e.Data = data
	want, err := stdjson.Marshal(e)
	must(t, err, "encoding/json")
	if got, err := encodeEvent(e); err != nil || got != string(want) {
		t.Errorf("encodeEvent = %s, %v\nencoding/json wrote\n%s", got, err, want)
	}
	body, err := encode(c)
	must(t, err, "encode")
	var back dispatcher.Case
	must(t, decode(body, &back), "decode")
	if back.ClosedAt == nil || !back.ClosedAt.Equal(closed) || back.ClosedAt.Location() != time.UTC {
		t.Errorf("closed_at came back as %v, want %v in UTC", back.ClosedAt, closed)
	}
	inUTC := closed.UTC()
	c.ClosedAt = &inUTC // decode puts every time in UTC; nothing else may change
	want, err = stdjson.Marshal(c)
	must(t, err, "encoding/json")
	again, err := encode(&back)
	must(t, err, "encode")
	if again != string(want) {
		t.Errorf("a case decoded and encoded again changed:\n%s\nwant\n%s", again, want)
	}
}
