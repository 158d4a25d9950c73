package dispatcher

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// The audit (`cityhub audit verify`) reads the store as it is kept, row by row and column by
// column, and checks everything the API, the stream and the measures serve against the events:
//
//   - each case's hash chain (sequence, links, hashes, head);
//   - the case body against the digest its last write recorded (CaseDigest), and the fields that
//     digest leaves out against what they derive from (number, owner kind, next due mark);
//   - every column kept beside the body (the list filters), and the case_units rows, against it;
//   - each event's columns (visible, type, time) against its body and its hash;
//   - the measure tallies against the sum of the deltas the events recorded;
//   - the district-wide log against the events, and the log against its signed checkpoints.
//
// It reports every finding (up to a cap) in words an auditor understands, rather than stopping at
// the first one.

// StoredCase is a case as the store keeps it, for the audit.
type StoredCase struct {
	Case    *Case          // the body, decoded, with ID and Seal from their own columns
	Columns CaseColumns    // the copies of its fields kept in columns of their own
	Units   []string       // its case_units rows, in any order
	Events  []*StoredEvent // in Seq order
}

// CaseColumns are the columns of a case row beside its body.
type CaseColumns struct {
	Number, State, Owner, Unit, Channel, ExternalID, Category, Jurisdiction string
	Overdue                                                                 bool
	CreatedAt, UpdatedAt                                                    time.Time
	NextDue                                                                 *time.Time
	Version                                                                 int64
	Public                                                                  bool   // who may read it through Open311
	APIKey                                                                  string // the Open311 key that filed it
}

// StoredEvent is an event as the store keeps it: the body, decoded, with ID, CaseID, Seq and
// Visible from their own columns, and the type and time columns.
type StoredEvent struct {
	*Event
	TypeColumn string
	AtColumn   time.Time
}

// CaseUnit is a case_units row.
type CaseUnit struct {
	CaseID int64
	Unit   string
}

// AuditSource is a store the audit can read as it is kept. Both stores implement it.
type AuditSource interface {
	// ReadForAudit runs fn with a reader whose reads all see one snapshot of the store, so that
	// the audit of a store that hubs keep writing to compares things written together.
	ReadForAudit(ctx context.Context, fn func(AuditReader) error) error
}

// AuditReader reads a snapshot of the store for the audit.
type AuditReader interface {
	// StoredCases returns up to limit cases with an ID above afterID, in ID order, as stored.
	StoredCases(ctx context.Context, afterID int64, limit int) ([]*StoredCase, error)
	// StrayRows returns the events and case_units rows whose case is not in the cases table.
	StrayRows(ctx context.Context) ([]*StoredEvent, []CaseUnit, error)
	// Tallies calls fn for every day counter and gauge as Tallies reads them (ExportTallies), and
	// TallyMonths for every month rollup of the day counters (Day holding the month, YYYY-MM).
	Tallies(ctx context.Context, fn func(TallyRecord) error) error
	TallyMonths(ctx context.Context, fn func(TallyRecord) error) error
	// The district-wide log, as LogStore reads it.
	LogSize(ctx context.Context) (int64, error)
	LogLeaves(ctx context.Context, from int64, limit int) ([]LogLeaf, error)
	LogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
}

// AuditOptions say what the audit is given besides the store.
type AuditOptions struct {
	// Checkpoint is a signed checkpoint published earlier (the note as published): the audit
	// proves that the log extends it.
	Checkpoint []byte
	// VerifierKey checks the signatures of Checkpoint and of the checkpoints the store keeps
	// ("": the stored ones' signatures are not checked, and Checkpoint cannot be given).
	VerifierKey string
	// MaxFindings caps the findings listed (default 100); the rest are only counted.
	MaxFindings int
}

// AuditReport is what the audit found.
type AuditReport struct {
	Cases, Events int
	// LegacyEvents were written before HashV2: their hashes cover neither the case summary nor the
	// visible units nor the case's fields nor the measures. LegacyCases are the cases whose last
	// write is such an event: their bodies are checked against their columns only.
	LegacyEvents, LegacyCases int
	LogSize                   int64 // leaves in the district-wide log
	Unlogged                  int   // events not yet in the log
	Checkpoints               int   // stored checkpoints checked
	SignaturesChecked         bool  // the stored checkpoints' signatures were checked too
	Published                 int64 // size of the published checkpoint the log was proven to extend
	Counters                  int   // tally counters checked against the events
	CountersSkipped           int   // counters of days with legacy events, which cannot be checked
	Findings                  []string
	Omitted                   int // findings beyond MaxFindings
}

// OK reports whether the audit found nothing wrong.
func (r *AuditReport) OK() bool { return len(r.Findings) == 0 }

// Audit checks the whole store. Its error is for an audit that could not run (a store that
// cannot be read, a checkpoint that cannot be parsed); what is wrong with the data is in the
// report's findings.
func Audit(ctx context.Context, store Store, opts AuditOptions) (*AuditReport, error) {
	src, ok := store.(AuditSource)
	if !ok {
		return nil, fmt.Errorf("this store cannot be audited: it does not give its rows as stored")
	}
	published, err := openPublished(opts)
	if err != nil {
		return nil, err
	}
	a, err := newAuditor(ctx, store, opts)
	if err != nil {
		return nil, err
	}
	err = src.ReadForAudit(ctx, func(rd AuditReader) error {
		a.rd = rd
		log := func() error { return a.logAndCheckpoints(published, opts.VerifierKey) }
		for _, step := range []func() error{a.cases, a.strays, log, a.measures} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a.rep, nil
}

// AuditStore is Audit without a checkpoint; it returns the number of cases and events checked
// and an error naming the first finding, if any.
func AuditStore(ctx context.Context, store Store) (cases, events int, err error) {
	rep, err := Audit(ctx, store, AuditOptions{})
	if err != nil {
		return 0, 0, err
	}
	if !rep.OK() {
		return rep.Cases, rep.Events, Errorf(EConflict, "%d findings; the first: %s", len(rep.Findings)+rep.Omitted, rep.Findings[0])
	}
	return rep.Cases, rep.Events, nil
}

type auditor struct {
	ctx context.Context
	rd  AuditReader
	loc *time.Location // the calendar's zone (nil if the store holds no usable calendar: days in UTC)
	max int
	rep *AuditReport

	leaves  []auditLeaf // one per event, for the log
	numbers []string    // case numbers, indexed by auditLeaf.number
	sums    map[TallyRecord]int64
	legacy  map[string]bool // days with legacy events
}

func newAuditor(ctx context.Context, store Store, opts AuditOptions) (*auditor, error) {
	a := &auditor{ctx: ctx, max: opts.MaxFindings,
		rep: &AuditReport{}, sums: map[TallyRecord]int64{}, legacy: map[string]bool{}}
	if a.max <= 0 {
		a.max = 100
	}
	ref, err := store.Reference(ctx)
	if err != nil && ErrorCode(err) != ENotFound {
		return nil, err
	}
	if err == nil {
		if cal, err := NewCalendar(ref.Calendar); err == nil {
			a.loc = cal.Location()
		}
	}
	return a, nil
}

// find records a finding.
func (a *auditor) find(format string, args ...any) {
	if len(a.rep.Findings) >= a.max {
		a.rep.Omitted++
		return
	}
	a.rep.Findings = append(a.rep.Findings, fmt.Sprintf(format, args...))
}

// cases checks every case, 200 at a time.
func (a *auditor) cases() error {
	var after int64
	for {
		page, err := a.rd.StoredCases(a.ctx, after, 200)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, sc := range page {
			a.checkCase(sc)
		}
		after = page[len(page)-1].Case.ID
	}
}

func (a *auditor) checkCase(sc *StoredCase) {
	c := sc.Case
	a.rep.Cases++
	a.checkColumns(sc)
	a.checkUnits(sc)
	a.checkDerived(c)
	evs := make([]*Event, len(sc.Events))
	for i, e := range sc.Events {
		evs[i] = e.Event
		a.checkEventColumns(c, e)
	}
	for _, f := range chainFindings(c, evs) {
		a.find("%s", f)
	}
	a.checkLastWrite(c, evs)
	a.record(c, evs)
}

// sameInstant compares a column's time with the body's: a column keeps microseconds (SQLite
// truncates, PostgreSQL rounds) where the body may have nanoseconds.
func sameInstant(col, body time.Time) bool {
	d := col.Sub(body)
	return d > -time.Microsecond && d < time.Microsecond
}

func sameOptionalInstant(col, body *time.Time) bool {
	if col == nil || body == nil {
		return col == nil && body == nil
	}
	return sameInstant(*col, *body)
}

func showTime(t *time.Time) string {
	if t == nil {
		return "nothing"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// checkColumns compares each column kept beside the body (the list filters) with the body.
func (a *auditor) checkColumns(sc *StoredCase) {
	c, col := sc.Case, sc.Columns
	for _, k := range []struct{ name, col, body string }{
		{"number", col.Number, c.Number}, {"state", col.State, string(c.State)}, {"owner", col.Owner, c.Owner},
		{"unit", col.Unit, c.Unit}, {"channel", col.Channel, c.Channel}, {"external_id", col.ExternalID, c.ExternalID},
		{"category", col.Category, c.Category}, {"jurisdiction", col.Jurisdiction, c.Routing.Jurisdiction},
		{"overdue", fmt.Sprint(col.Overdue), fmt.Sprint(c.IsOverdue())},
		{"version", fmt.Sprint(col.Version), fmt.Sprint(c.Version)},
		{"public", fmt.Sprint(col.Public), fmt.Sprint(c.IsPublic())}, {"api_key_id", col.APIKey, c.APIKey},
	} {
		if k.col != k.body {
			a.find("case %s: column %s says %q, the case body says %q", c.Number, k.name, k.col, k.body)
		}
	}
	for _, k := range []struct {
		name      string
		col, body *time.Time
	}{{"created_at", &col.CreatedAt, &c.CreatedAt}, {"updated_at", &col.UpdatedAt, &c.UpdatedAt},
		{"next_due", col.NextDue, c.NextDue}} {
		if !sameOptionalInstant(k.col, k.body) {
			a.find("case %s: column %s says %s, the case body says %s", c.Number, k.name, showTime(k.col), showTime(k.body))
		}
	}
}

// checkUnits compares the case_units rows (which decide whose lists show the case) with the
// owners in the body.
func (a *auditor) checkUnits(sc *StoredCase) {
	rows, owners := sortedSet(sc.Units), sortedSet(sc.Case.Owners)
	if !slices.Equal(rows, owners) {
		a.find("case %s: its case_units rows name %v, the case body's owners are %v", sc.Case.Number, rows, owners)
	}
}

func sortedSet(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// checkDerived checks the fields the digest leaves out, or that derive from others.
func (a *auditor) checkDerived(c *Case) {
	if want := OwnerKindOf(c.State); c.OwnerKind != want {
		a.find("case %s: its owner kind is %s, but a case that is %s is owned by %s", c.Number, c.OwnerKind, c.State, want)
	}
	if want := ownerFor(c); c.Owner != want {
		a.find("case %s: its owner is %q, but a case that is %s belongs to %q", c.Number, c.Owner, c.State, want)
	}
	if want := nextDue(c); !sameOptionalInstant(c.NextDue, want) {
		a.find("case %s: its next due mark says %s, its clocks give %s", c.Number, showTime(c.NextDue), showTime(want))
	}
	a.checkNumber(c)
}

// ownerFor is the owner DOMAIN.md's rule gives a case in its state.
func ownerFor(c *Case) string {
	switch OwnerKindOf(c.State) {
	case OwnedByCentre:
		return CommandCentre
	case OwnedByUnit, OwnedByAgency:
		return c.Unit
	}
	return ""
}

// checkNumber: a number is the stem of the day the case was created (in the calendar's zone)
// completed with its ID, as CompleteNumber builds it.
func (a *auditor) checkNumber(c *Case) {
	suffix := CompleteNumber("", c.ID)
	stem, ok := strings.CutSuffix(c.Number, suffix)
	if !ok {
		a.find("case %s: its number does not end with its id %s", c.Number, suffix)
		return
	}
	if a.loc != nil {
		if day := c.CreatedAt.In(a.loc).Format("20060102"); !strings.HasSuffix(stem, day) {
			a.find("case %s: its number does not carry its creation date %s", c.Number, day)
		}
	}
}

func eventName(e *Event, number string) string {
	return fmt.Sprintf("event %d (case %s, seq %d)", e.ID, number, e.Seq)
}

// checkEventColumns compares an event's columns with its body.
func (a *auditor) checkEventColumns(c *Case, e *StoredEvent) {
	if e.TypeColumn != e.Type {
		a.find("%s: column type says %q, the event body says %q", eventName(e.Event, c.Number), e.TypeColumn, e.Type)
	}
	if !sameInstant(e.AtColumn, e.At) {
		a.find("%s: column at says %s, the event body says %s", eventName(e.Event, c.Number),
			showTime(&e.AtColumn), showTime(&e.At))
	}
	if e.Summary.Number != c.Number {
		a.find("%s carries case number %s", eventName(e.Event, c.Number), e.Summary.Number)
	}
}

// chainFindings checks a case's events against its stored head: sequence numbers 1..n, each
// event linked to the one before and hashing to what it says (by its formula, and never an older
// formula after a newer one), the last one matching the case's version and last hash.
func chainFindings(c *Case, events []*Event) []string {
	var out []string
	prev, version := "", 0
	for i, e := range events {
		name := eventName(e, c.Number)
		if e.Seq != int64(i+1) {
			out = append(out, fmt.Sprintf("%s: its seq should be %d", name, i+1))
		}
		if e.PrevHash != prev {
			out = append(out, fmt.Sprintf("%s does not link to the event before it", name))
		}
		if e.HashVersion < version {
			out = append(out, fmt.Sprintf("%s is hashed with an older formula than the event before it", name))
		}
		if got := EventHash(e); got != e.Hash {
			out = append(out, fmt.Sprintf("%s was altered: its hash says %s, its contents hash to %s", name, short(e.Hash), short(got)))
		}
		prev, version = e.Hash, e.HashVersion
	}
	if c.Version != int64(len(events)) || c.LastHash != prev {
		out = append(out, fmt.Sprintf("case %s: its head says version %d and last hash %s, its events end at seq %d with hash %s",
			c.Number, c.Version, short(c.LastHash), len(events), short(prev)))
	}
	return out
}

// short is the first 12 hex digits of a hash, enough to tell hashes apart in a report.
func short(h string) string {
	if h == "" {
		return "(none)"
	}
	return h[:min(len(h), 12)]
}

// checkLastWrite checks the case against what its last write recorded: the digest of every
// stored field, the summary and the visible units.
func (a *auditor) checkLastWrite(c *Case, evs []*Event) {
	if len(evs) == 0 {
		return
	}
	last := evs[len(evs)-1]
	name := eventName(last, c.Number)
	switch {
	case last.HashVersion < HashV2:
		a.rep.LegacyCases++
		return
	case last.CaseDigest == "":
		a.find("case %s: its last event (seq %d) is not the end of a write (it records no case digest): events after it were removed",
			c.Number, last.Seq)
		return
	}
	named := a.checkSummary(c, last)
	if want := visibleUnitsOf(c); !slices.Equal(last.Visible, want) && !(len(want) == 0 && len(last.Visible) == 0) {
		a.find("%s is visible to %v, the case's units are %v", name, last.Visible, want)
		named = true
	}
	switch {
	case len(c.Seal) == 0:
		a.find("case %s has no seal: its fields cannot be checked against its last write", c.Number)
	case CaseDigest(c) != last.CaseDigest && !named:
		a.find("case %s: the case body is not what its last write (%s) left: a field was changed outside the hub", c.Number, name)
	case CaseDigest(c) != last.CaseDigest:
		a.find("case %s: the case body is not what its last write (%s) left", c.Number, name)
	}
}

// checkSummary names each field of the case's summary that differs from what its last write
// recorded (the fields its formula covers); it reports whether it found one.
func (a *auditor) checkSummary(c *Case, last *Event) bool {
	got, want := summaryFields(Summarize(c), last.HashVersion), summaryFields(last.Summary, last.HashVersion)
	found := false
	for i, k := range got {
		if k.value != want[i].value {
			a.find("case %s: the case body says %s %q, its last write (seq %d) left %q", c.Number, k.name, k.value, last.Seq, want[i].value)
			found = true
		}
	}
	return found
}

type summaryField struct{ name, value string }

// summaryFields lists the fields of a summary that a formula covers, each as text.
func summaryFields(s CaseSummary, formula int) []summaryField {
	h := hashedSummaryV3Of(s)
	out := []summaryField{
		{"state", string(h.State)}, {"owner", h.Owner}, {"unit", h.Unit}, {"channel", h.Channel},
		{"nature", h.Nature}, {"category", h.Category}, {"jurisdiction", h.Jurisdiction}, {"address", h.Address},
		{"point", fmt.Sprint(h.Point)}, {"deadline", h.Deadline}, {"overdue", fmt.Sprint(h.Overdue)},
	}
	if formula < HashV3 {
		return out
	}
	ext, _ := canonicalJSON(h.Extension)
	return append(out, summaryField{"warning", fmt.Sprint(h.Warning)}, summaryField{"return_count", fmt.Sprint(h.ReturnCount)},
		summaryField{"arbitration", h.Arbitration}, summaryField{"extension", string(ext)},
		summaryField{"suspended_at", h.SuspendedAt}, summaryField{"repeat_of", h.RepeatOf},
		summaryField{"merged_into", h.MergedInto}, summaryField{"inspector", h.Inspector}, summaryField{"text", h.Text},
		summaryField{"created_at", h.CreatedAt}, summaryField{"updated_at", h.UpdatedAt},
		summaryField{"version", fmt.Sprint(h.Version)})
}

// record keeps what the log and measure checks need of a case's events.
func (a *auditor) record(c *Case, evs []*Event) {
	a.numbers = append(a.numbers, c.Number)
	for _, e := range evs {
		a.addLeaf(e, len(a.numbers)-1)
		a.addTallies(e)
	}
}

func (a *auditor) addTallies(e *Event) {
	a.rep.Events++
	if e.HashVersion < HashV2 {
		a.rep.LegacyEvents++
		a.legacy[a.day(e.At)] = true
		return
	}
	for _, t := range ExpandTallies(e.Tallies) {
		a.sums[TallyRecord{Day: t.Day, Dim: t.Dim, Key: t.Key, Measure: t.Measure}] += t.Delta
	}
}

// day is the calendar day of t, as the tallies count it.
func (a *auditor) day(t time.Time) string {
	if a.loc != nil {
		t = t.In(a.loc)
	}
	return t.Format("2006-01-02")
}

// strays reports the rows that belong to no case: what is left of a case deleted row by row.
func (a *auditor) strays() error {
	evs, units, err := a.rd.StrayRows(a.ctx)
	if err != nil {
		return err
	}
	for _, e := range evs {
		a.find("%s belongs to no case: case id %d is not in the cases table", eventName(e.Event, e.Summary.Number), e.CaseID)
		a.numbers = append(a.numbers, e.Summary.Number)
		a.addLeaf(e.Event, len(a.numbers)-1)
		a.addTallies(e.Event)
	}
	for _, u := range units {
		a.find("case_units row (unit %s, case id %d) belongs to no case", u.Unit, u.CaseID)
	}
	return nil
}

// visibleUnitsOf is who may see the events of a write that leaves the case as c is: the units
// that own or have owned it and its co-handlers.
func visibleUnitsOf(c *Case) []string {
	v := append([]string{}, c.Owners...)
	return append(v, c.Routing.CoHandlers...)
}
