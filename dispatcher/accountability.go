package dispatcher

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// Accountability is who passes cases back and where cases stall, for a period: each handling
// unit's returns, reworks, extensions and overdue cases, the time it takes at each step, the
// reasons it gave for its returns, and the arbitration rulings.
type Accountability struct {
	From    string               `json:"from"`
	To      string               `json:"to"`
	Units   []UnitAccountability `json:"units"`   // by return rate, highest first (none last), then returns
	Rulings []Ruling             `json:"rulings"` // by count, most first
}

// UnitAccountability is one unit's line. Averages are in natural seconds, null when nothing was
// counted; overdue_open is now's, whatever the period.
type UnitAccountability struct {
	Unit             string        `json:"unit"`
	Name             string        `json:"name"`
	Dispatched       int64         `json:"dispatched"`
	Returns          int64         `json:"returns"`
	ReturnRate       *float64      `json:"return_rate"`
	Reworks          int64         `json:"reworks"`
	Extensions       int64         `json:"extensions"`
	OverdueOpen      int64         `json:"overdue_open"`
	Acknowledged     int64         `json:"acknowledged"`
	AckAvgSeconds    *float64      `json:"ack_avg_seconds"`
	Resolved         int64         `json:"resolved"`
	HandleAvgSeconds *float64      `json:"handle_avg_seconds"`
	Checked          int64         `json:"checked"`
	CheckAvgSeconds  *float64      `json:"check_avg_seconds"`
	Reasons          []ReasonCount `json:"reasons"` // most given first
}

// ReasonCount is how often a unit gave one reason for a return.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// Ruling counts arbitration rulings by a unit that had returned the case and the unit the case
// was ruled to.
type Ruling struct {
	ReturnedBy     string `json:"returned_by"`
	ReturnedByName string `json:"returned_by_name"`
	RuledTo        string `json:"ruled_to"`
	RuledToName    string `json:"ruled_to_name"`
	Count          int64  `json:"count"`
}

// Accountability reads the unit tallies, the return reasons and the rulings of a period (q's Dim
// and Compare are not used). The command centre's and the leaders' only.
func (s *Service) Accountability(ctx context.Context, actor Actor, q MeasureQuery) (Accountability, error) {
	if !actor.InCentre() {
		return Accountability{}, Errorf(EForbidden, "问责统计仅限指挥中心和领导查看 (accountability is the command centre's and the leaders')")
	}
	if err := s.periodRange(q.Period, &q.From, &q.To); err != nil {
		return Accountability{}, err
	}
	rows, err := s.measureRows(ctx, actor, DimUnit, q.From, q.To)
	if err != nil {
		return Accountability{}, err
	}
	reasons, err := s.store.Tallies(ctx, TallyQuery{Dim: DimReturnReason, From: q.From, To: q.To})
	if err != nil {
		return Accountability{}, err
	}
	rulings, err := s.store.Tallies(ctx, TallyQuery{Dim: DimRuling, From: q.From, To: q.To})
	if err != nil {
		return Accountability{}, err
	}
	out := Accountability{From: q.From, To: q.To, Units: s.unitLines(rows, reasons), Rulings: s.rulings(rulings)}
	return out, nil
}

// unitLines is a line for every handling unit of the bureau, and for any other key counted.
func (s *Service) unitLines(rows []MeasureRow, reasons []TallyRow) []UnitAccountability {
	counts := map[string]map[string]int64{}
	for _, r := range rows {
		counts[r.Key] = r.Counts
	}
	for _, u := range s.Reference().Units {
		if _, ok := counts[u.Code]; !ok && !u.IsExternal() && u.Kind != UnitCommandCentre {
			counts[u.Code] = map[string]int64{}
		}
	}
	byUnit := map[string][]ReasonCount{}
	for _, r := range reasons {
		unit, reason, _ := strings.Cut(r.Key, "/")
		if r.Count != 0 {
			byUnit[unit] = append(byUnit[unit], ReasonCount{Reason: reason, Count: r.Count})
		}
	}
	out := []UnitAccountability{}
	for code, n := range counts {
		if code == "" {
			continue // counted before any unit was known (a report waiting in the centre)
		}
		rs := byUnit[code]
		slices.SortFunc(rs, func(a, b ReasonCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
		})
		out = append(out, UnitAccountability{Unit: code, Name: s.KeyName(DimUnit, code),
			Dispatched: n[MDispatched], Returns: n[MReturns], ReturnRate: ratio(n[MReturns], n[MDispatched]),
			Reworks: n[MReworks], Extensions: n[MExtensions], OverdueOpen: n[MOverdueOpen],
			Acknowledged: n[MAcknowledged], AckAvgSeconds: ratio(n[MAckSeconds], n[MAcknowledged]),
			Resolved: n[MResolved], HandleAvgSeconds: ratio(n[MHandleSeconds], n[MResolved]),
			Checked: n[MChecked], CheckAvgSeconds: ratio(n[MCheckSeconds], n[MChecked]),
			Reasons: append([]ReasonCount{}, rs...)})
	}
	slices.SortFunc(out, compareAccountability)
	return out
}

// compareAccountability ranks the highest return rate first, units with none (nothing
// dispatched) last, then the most returns, then by code.
func compareAccountability(a, b UnitAccountability) int {
	switch {
	case a.ReturnRate == nil && b.ReturnRate != nil:
		return 1
	case a.ReturnRate != nil && b.ReturnRate == nil:
		return -1
	case a.ReturnRate != nil && *a.ReturnRate != *b.ReturnRate:
		return cmp.Compare(*b.ReturnRate, *a.ReturnRate)
	}
	return cmp.Or(cmp.Compare(b.Returns, a.Returns), cmp.Compare(a.Unit, b.Unit))
}

func (s *Service) rulings(rows []TallyRow) []Ruling {
	out := []Ruling{}
	for _, r := range rows {
		by, to, _ := strings.Cut(r.Key, "/")
		if r.Measure != MRulings || r.Count == 0 {
			continue
		}
		out = append(out, Ruling{ReturnedBy: by, ReturnedByName: s.KeyName(DimUnit, by), RuledTo: to,
			RuledToName: s.KeyName(DimUnit, to), Count: r.Count})
	}
	slices.SortFunc(out, func(a, b Ruling) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ReturnedBy, b.ReturnedBy), cmp.Compare(a.RuledTo, b.RuledTo))
	})
	return out
}
