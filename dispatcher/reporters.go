package dispatcher

import (
	"context"
	"time"
)

// ActJoin records a report that joined an open case of the same problem (duplicates.go).
const ActJoin = "join"

// Report is one more person's report of a case's problem, joined to the case at intake. The
// case's own Reporter made the first; Reports are the rest, in order. Its reporter is personal
// data under the same rules as the case's (masked outside the command centre).
type Report struct {
	Seq        int       `json:"seq"` // 1 for the first joined report
	At         time.Time `json:"at"`
	Channel    string    `json:"channel"`
	Nature     string    `json:"nature"`
	Reporter   Contact   `json:"reporter"`
	Text       string    `json:"text,omitempty"`
	Location   Location  `json:"location"`
	Media      []string  `json:"media,omitempty"`
	ExternalID string    `json:"external_id,omitempty"`
	NonPublic  bool      `json:"non_public,omitempty"`
	APIKey     string    `json:"api_key_id,omitempty"`
	DistanceM  float64   `json:"distance_m"` // from the case's point
}

// ReporterCount is how many reports the case stands for: its first and those joined to it.
func (c *Case) ReporterCount() int { return 1 + len(c.Reports) }

// CaseReporter is one person who reported a case's problem: its first reporter, a joined report,
// or the reporter of a case merged into it (Case names the case they filed then).
type CaseReporter struct {
	Case    string    `json:"case"`
	Seq     int       `json:"seq"` // in that case: 0 its first reporter, then its joined reports (Report.Seq)
	Channel string    `json:"channel"`
	Contact Contact   `json:"contact"`
	At      time.Time `json:"at"`
	Joined  bool      `json:"joined,omitempty"` // a report joined at intake
	Merged  bool      `json:"merged,omitempty"` // the report of a case merged into this one
}

// Reporters lists everyone who reported the case's problem: the case's first reporter, the
// reports joined to it, then the reporters of the cases merged into it, each with the contact as
// the actor may see it. They are who hear of the case's closure.
func (s *Service) Reporters(ctx context.Context, actor Actor, caseID int64) ([]CaseReporter, error) {
	c, err := s.caseFor(ctx, actor, caseID)
	if err != nil {
		return nil, err
	}
	out := reportersOf(c, false)
	merged, err := s.store.ListCases(ctx, CaseFilter{MergedInto: c.Number, Limit: 1000})
	if err != nil {
		return nil, err
	}
	for _, m := range merged.Cases {
		out = append(out, reportersOf(m, true)...)
	}
	if !CanSeeContact(actor) && actor.Role != System {
		for i := range out {
			out[i].Contact = out[i].Contact.Masked()
		}
	}
	return out, nil
}

func reportersOf(c *Case, merged bool) []CaseReporter {
	out := []CaseReporter{{Case: c.Number, Channel: c.Channel, Contact: c.Reporter, At: c.CreatedAt, Merged: merged}}
	for _, r := range c.Reports {
		out = append(out, CaseReporter{Case: c.Number, Seq: r.Seq, Channel: r.Channel, Contact: r.Reporter, At: r.At,
			Joined: true, Merged: merged})
	}
	return out
}

// maskReports hides the contacts of the joined reports, as forViewer does the first reporter's.
func maskReports(rs []Report) []Report {
	if len(rs) == 0 {
		return rs
	}
	out := make([]Report, len(rs))
	for i, r := range rs {
		r.Reporter = r.Reporter.Masked()
		out[i] = r
	}
	return out
}

// ReporterRow is one row of the stores' index of reporters (case_reporters): a reporter of the
// case c it was made from, indexed under c itself (Into "") or, once c is merged, under the case
// it was merged into (Into, that case's number). Seq 0 is c's own first reporter.
type ReporterRow struct {
	Into       string
	Seq        int
	Channel    string
	Phone      string
	OpenID     string
	ExternalID string
}

// ReporterIndex lists the index rows a write of c must make sure of: its joined reports, and, if
// it was merged, all its reporters under the case it was merged into.
func ReporterIndex(c *Case) []ReporterRow {
	var out []ReporterRow
	for _, r := range c.Reports {
		out = append(out, reporterRow("", r.Seq, r.Channel, r.Reporter, r.ExternalID))
	}
	if c.State != Merged || c.MergedInto == "" {
		return out
	}
	out = append(out, reporterRow(c.MergedInto, 0, c.Channel, c.Reporter, c.ExternalID))
	for _, r := range c.Reports {
		out = append(out, reporterRow(c.MergedInto, r.Seq, r.Channel, r.Reporter, r.ExternalID))
	}
	return out
}

func reporterRow(into string, seq int, channel string, who Contact, externalID string) ReporterRow {
	return ReporterRow{Into: into, Seq: seq, Channel: channel, Phone: who.Phone, OpenID: who.OpenID, ExternalID: externalID}
}

// AllMedia lists the attachments of the case and of the reports joined to it.
func (c *Case) AllMedia() []string {
	if len(c.Reports) == 0 {
		return c.Media
	}
	out := append([]string{}, c.Media...)
	for _, r := range c.Reports {
		out = append(out, r.Media...)
	}
	return out
}
