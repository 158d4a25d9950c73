package postgres

import (
	"reflect"
	"time"

	"cityhub/dispatcher"

	"github.com/segmentio/encoding/json"
)

// encode is the body column of a domain value: its JSON encoding, stored as text so that it
// comes back byte for byte. The bodies are encoded and decoded with segmentio/encoding, which
// writes what encoding/json writes at about half the CPU (a tenth of the hub's CPU per report
// under load); the events' data and the text their hashes cover are written the same way
// (dispatcher.canonicalJSON).
func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// encodeEvent is encode for an event the hub has just made: its data is encoding/json's text
// already (dispatcher.canonicalJSON), so it is copied, compacted and escaped as it stands instead
// of being parsed again (which gives the same bytes for such text).
func encodeEvent(e *dispatcher.Event) (string, error) {
	b, err := json.Append(nil, e, json.EscapeHTML|json.SortMapKeys|json.TrustRawMessage)
	return string(b), err
}

// decode unmarshals a body column into v and puts every time in it in UTC.
func decode(body string, v any) error {
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return err
	}
	inUTC(reflect.ValueOf(v))
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// inUTC walks v through pointers, exported struct fields, slices and arrays and sets every
// time.Time it finds to UTC. (No domain map holds a time, so maps are not walked.)
func inUTC(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			inUTC(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				inUTC(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		switch v.Type().Elem().Kind() {
		case reflect.Pointer, reflect.Struct, reflect.Slice, reflect.Array:
			for i := range v.Len() {
				inUTC(v.Index(i))
			}
		}
	}
}

// utcPtr is t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
