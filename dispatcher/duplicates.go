package dispatcher

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"cityhub/geo"
)

// Duplicates: the same pothole reported twenty times is one problem. At intake, the open cases of
// the same category reported within DuplicateRadius and DuplicateWindow are candidates, shown to
// the operator (Nearby) and to the citizen on the web form (Candidates). A report said to be about
// one of them joins it (Complaint.JoinCase): no new case is made, the case gains a reporter, and
// every measure counts the problem once.
const (
	DuplicateRadius = 250.0               // metres, exact great-circle distance
	DuplicateWindow = 30 * 24 * time.Hour // the candidate was reported within the last 30 days
	// MaxJoinedReports bounds the reports one case keeps besides its first: they travel in the
	// case's record. A problem reported more often than that is filed as a new case, which the
	// centre may merge.
	MaxJoinedReports = 500
	// maxDuplicateScan bounds the open cases of one category read from the cells around a point.
	maxDuplicateScan = 2000
	maxCandidates    = 5 // what the web form shows a citizen
)

// nearCase is an open case near a point and its exact distance in metres (to the decimetre).
type nearCase struct {
	c        *Case
	distance float64
}

// duplicatesNear lists the open cases of the category that the actor may see, reported within
// DuplicateWindow and DuplicateRadius of p, nearest first. The H3 cells around p narrow what is
// read (the store indexes the case's cell); the exact distance decides.
func (s *Service) duplicatesNear(ctx context.Context, actor Actor, p Point, category string) ([]nearCase, error) {
	if err := s.knownCategory(category); err != nil {
		return nil, err
	}
	if err := ValidatePoint(p); err != nil {
		return nil, err
	}
	cells, err := geo.CellsWithin(p, HotspotFine, DuplicateRadius)
	if err != nil {
		return nil, FieldError("lat", "位置无效 (invalid position): %v", err)
	}
	open := true
	f := CaseFilter{Open: &open, Category: category, Cells: cells,
		CreatedFrom: s.Now().Add(-DuplicateWindow), Limit: maxDuplicateScan}
	scope(actor, &f)
	page, err := s.store.ListCases(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []nearCase
	for _, c := range page.Cases {
		if d := geo.Distance(p, c.Location.Point); d <= DuplicateRadius {
			out = append(out, nearCase{c: c, distance: math.Round(d*10) / 10})
		}
	}
	slices.SortStableFunc(out, func(a, b nearCase) int { return cmp.Compare(a.distance, b.distance) })
	return out, nil
}

// Candidate is an open case a citizen may say their report is about. It carries nothing
// personal: the description and the address only of a public case.
type Candidate struct {
	Number       string    `json:"number"`
	Category     string    `json:"category"`
	CategoryName string    `json:"category_name"`
	State        State     `json:"state"`
	StateLabel   string    `json:"state_label"`
	CreatedAt    time.Time `json:"created_at"`
	DistanceM    float64   `json:"distance_m"`
	Text         string    `json:"text,omitempty"`
	Address      string    `json:"address,omitempty"`
	Reporters    int       `json:"reporters"`
	Public       bool      `json:"public"`
}

// Candidates lists, for the public, the open cases of the category within DuplicateRadius of p
// (WGS-84) reported in the last DuplicateWindow, nearest first, at most five. Only complaints and
// requests for help are offered: a 举报 is about someone's wrongdoing, and telling the street that
// one was made there points at the neighbour who made it; inquiries, suggestions and praise are
// no problem on the street to join.
func (s *Service) Candidates(ctx context.Context, p Point, category string) ([]Candidate, error) {
	found, err := s.duplicatesNear(ctx, SystemActor, p, category)
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, maxCandidates)
	for _, n := range found {
		if len(out) == maxCandidates {
			break
		}
		if publicJoinable[n.c.Nature] {
			out = append(out, s.candidate(n))
		}
	}
	return out, nil
}

// publicJoinable are the natures of the cases the public is offered to join.
var publicJoinable = map[string]bool{"complaint": true, "help": true}

func (s *Service) candidate(n nearCase) Candidate {
	c := n.c
	cat, _ := s.Category(c.Category)
	out := Candidate{Number: c.Number, Category: c.Category, CategoryName: cat.Name, State: c.State,
		StateLabel: StateLabel(c.State), CreatedAt: c.CreatedAt, DistanceM: n.distance,
		Reporters: c.ReporterCount(), Public: c.IsPublic()}
	if out.Public {
		out.Text, out.Address = c.Text, c.Location.Address
	}
	return out
}

// joinTransition is the lifecycle step of a joined report: Submit's only, like receiving, so it is
// not in the table that Act reads.
var joinTransition = &Transition{Action: ActJoin, Event: "case.joined"}

// join adds the report to the open case it names (cmp.JoinCase) as one more reporter. A race with
// another writer of that case is retried on the fresh case; a retried channel message (the same
// ExternalID) finds the case it joined and adds nothing.
func (s *Service) join(ctx context.Context, actor Actor, cmp Complaint) (SubmitResult, error) {
	for attempt := 0; ; attempt++ {
		res, err := s.joinOnce(ctx, actor, cmp)
		if ErrorCode(err) == EConflict && isRace(err) && attempt < s.maxRetry {
			if prev, ok, perr := s.alreadyAccepted(ctx, cmp); perr != nil || ok {
				return prev, perr
			}
			continue
		}
		return res, err
	}
}

func (s *Service) joinOnce(ctx context.Context, actor Actor, cmp Complaint) (SubmitResult, error) {
	c, distance, err := s.joinTarget(ctx, cmp)
	if err != nil {
		return SubmitResult{}, err
	}
	prev := c.Version
	now := s.Now()
	r := Report{Seq: len(c.Reports) + 1, At: now, Channel: cmp.Channel, Nature: cmp.Nature,
		Reporter: cmp.Reporter, Text: cmp.Text, Location: cmp.Location, Media: cmp.Media,
		ExternalID: cmp.ExternalID, NonPublic: cmp.NonPublic, APIKey: cmp.APIKey, DistanceM: distance}
	c.Reports = append(c.Reports, r)
	tx := newChange(ctx, s, c, actor, now)
	tx.record(joinTransition, ActionRequest{}, joinedData(r))
	tx.tally(MReports, 1)
	tx.finish()
	if err := s.store.UpdateCase(ctx, c, prev, tx.events, tx.tallies); err != nil {
		if ErrorCode(err) == EConflict {
			return SubmitResult{}, raceError{err}
		}
		return SubmitResult{}, err
	}
	s.publish(ctx, tx.events)
	s.linkCall(ctx, cmp.Call, c.Number)
	return SubmitResult{Case: c, Joined: true}, nil
}

// alreadyAccepted finds the case a channel message was accepted into before, if it carries an id.
func (s *Service) alreadyAccepted(ctx context.Context, cmp Complaint) (SubmitResult, bool, error) {
	if cmp.ExternalID == "" {
		return SubmitResult{}, false, nil
	}
	c, err := s.store.CaseByExternalID(ctx, cmp.Channel, cmp.ExternalID)
	switch ErrorCode(err) {
	case "":
		return SubmitResult{Case: c, Duplicate: true}, true, nil
	case ENotFound:
		return SubmitResult{}, false, nil
	}
	return SubmitResult{}, false, err
}

// joinTarget loads the case a report joins and checks that it is a candidate for it: open and
// handled within the bureau, of the same category, reported within DuplicateWindow and within
// DuplicateRadius of the report, with room for one more report. It returns the distance.
func (s *Service) joinTarget(ctx context.Context, cmp Complaint) (*Case, float64, error) {
	c, err := s.store.CaseByNumber(ctx, cmp.JoinCase)
	if ErrorCode(err) == ENotFound {
		return nil, 0, FieldError("join_case", "案件 %s 不存在 (no case %s)", cmp.JoinCase, cmp.JoinCase)
	} else if err != nil {
		return nil, 0, err
	}
	distance := geo.Distance(cmp.Location.Point, c.Location.Point)
	switch {
	case !c.State.IsOpen() || c.OwnerKind == OwnedByAgency:
		return nil, 0, FieldError("join_case", "案件 %s %s，请单独反映 (case %s is %s: report it on its own)",
			c.Number, StateLabel(c.State), c.Number, c.State)
	case c.Category != cmp.Category:
		return nil, 0, FieldError("join_case", "案件 %s 不是同一类问题 (case %s is of another category)", c.Number, c.Number)
	case s.Now().Sub(c.CreatedAt) > DuplicateWindow:
		return nil, 0, FieldError("join_case", "案件 %s 已超过 30 天，请单独反映 (case %s is older than 30 days)", c.Number, c.Number)
	case !(distance <= DuplicateRadius):
		return nil, 0, FieldError("join_case", "两处相距 %.0f 米，超过 %.0f 米，请单独反映 (the places are %.0f m apart; at most %.0f m)",
			distance, DuplicateRadius, distance, DuplicateRadius)
	case len(c.Reports) >= MaxJoinedReports:
		return nil, 0, FieldError("join_case", "案件 %s 反映人数已满，请单独反映 (case %s has %d reports already)", c.Number, c.Number, len(c.Reports)+1)
	}
	return c, math.Round(distance*10) / 10, nil
}

// joinedData is the event of a joined report: what was reported, never who reported it.
func joinedData(r Report) map[string]any {
	return map[string]any{"seq": r.Seq, "channel": r.Channel, "nature": r.Nature, "text": r.Text,
		"location": r.Location, "media": r.Media, "external_id": r.ExternalID,
		"reporter_given": !r.Reporter.IsZero(), "distance_m": r.DistanceM, "reporter_private": r.NonPublic,
		"api_key_id": r.APIKey}
}
