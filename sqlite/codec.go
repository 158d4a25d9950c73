package sqlite

import (
	"database/sql"
	"encoding/json"
	"reflect"
	"time"

	segjson "github.com/segmentio/encoding/json"
)

// micro is the column form of a time: microseconds since the Unix epoch.
func micro(t time.Time) int64 { return t.UnixMicro() }

// fromMicro is the time of a column, in UTC.
func fromMicro(us int64) time.Time { return time.UnixMicro(us).UTC() }

// microPtr is the column form of an optional time (NULL for nil).
func microPtr(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// decode unmarshals a body column into v and turns every time in it to UTC. It reads with
// segmentio/encoding, as the PostgreSQL store does: what encoding/json reads, at about half the
// CPU (a console's snapshot decodes thousands of cases).
func decode(body string, v any) error {
	if err := segjson.Unmarshal([]byte(body), v); err != nil {
		return err
	}
	toUTC(reflect.ValueOf(v))
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

// toUTC sets every time.Time reachable from v through pointers, exported struct fields, slices and
// arrays to UTC. Maps are left alone (no domain map holds times).
func toUTC(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			toUTC(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				toUTC(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		switch v.Type().Elem().Kind() {
		case reflect.Pointer, reflect.Struct, reflect.Slice, reflect.Array:
		default:
			return // []byte, []string, ...: nothing to do
		}
		for i := range v.Len() {
			toUTC(v.Index(i))
		}
	}
}
