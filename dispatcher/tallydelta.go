package dispatcher

import "slices"

// TallyDelta is one measure change of a write, as its last event records it (Event.Tallies), so
// that the audit can add up the events and compare the sums with the tallies the measures are
// served from. The usual change, one measure of a day in every dimension, is one delta with Keys
// (the keys of DimUnit, DimJurisdiction, DimCategory and DimChannel; DimAll has none); any other
// tally row is a delta of its own with Dim and Key.
type TallyDelta struct {
	Day     string     `json:"day"` // "" for a gauge
	Measure string     `json:"measure"`
	Delta   int64      `json:"delta"`
	Keys    *[4]string `json:"keys,omitempty"`
	Dim     string     `json:"dim,omitempty"`
	Key     string     `json:"key,omitempty"`
}

// compactTallies is rows as deltas: every run of rows that appendTallyRows writes becomes one.
func compactTallies(rows []Tally) []TallyDelta {
	if len(rows) == 0 {
		return nil
	}
	out := make([]TallyDelta, 0, len(rows)/len(Dims)+1)
	for i := 0; i < len(rows); {
		if keys, ok := allDims(rows[i:]); ok {
			r := rows[i]
			out = append(out, TallyDelta{Day: r.Day, Measure: r.Measure, Delta: r.Delta, Keys: &keys})
			i += len(Dims)
			continue
		}
		r := rows[i]
		out = append(out, TallyDelta{Day: r.Day, Measure: r.Measure, Delta: r.Delta, Dim: r.Dim, Key: r.Key})
		i++
	}
	return out
}

// allDims reports whether rows begin with one change counted in every dimension, in the order
// of Dims, and returns its keys.
func allDims(rows []Tally) (keys [4]string, ok bool) {
	if len(rows) < len(Dims) || rows[0].Key != "" {
		return keys, false
	}
	first := rows[0]
	for i, dim := range Dims {
		r := rows[i]
		if r.Dim != dim || r.Day != first.Day || r.Measure != first.Measure || r.Delta != first.Delta {
			return keys, false
		}
		if i > 0 {
			keys[i-1] = r.Key
		}
	}
	return keys, true
}

// ExpandTallies is the tally rows that deltas stand for.
func ExpandTallies(deltas []TallyDelta) []Tally {
	var rows []Tally
	for _, d := range deltas {
		if d.Keys != nil {
			rows = appendTallyRows(rows, d.Day, d.Measure, d.Delta, *d.Keys)
			continue
		}
		rows = append(rows, Tally{Day: d.Day, Dim: d.Dim, Key: d.Key, Measure: d.Measure, Delta: d.Delta})
	}
	return slices.Clip(rows)
}
