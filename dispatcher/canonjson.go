package dispatcher

import segjson "github.com/segmentio/encoding/json"

// canonicalJSON is the JSON text of an event's data and of the part of an event its hash covers.
// The hash chain covers these bytes, so they must never change: they are what encoding/json's
// Marshal writes (compact, HTML-escaped, map keys sorted, invalid UTF-8 replaced). They are
// written with github.com/segmentio/encoding, which writes the same bytes at about half the CPU
// (they were a tenth of the hub's CPU per report); canonjson_test.go holds it to encoding/json's
// output for every kind of value an event carries.
func canonicalJSON(v any) ([]byte, error) { return segjson.Marshal(v) }
