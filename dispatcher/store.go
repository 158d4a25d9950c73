package dispatcher

import (
	"context"
	"fmt"
	"time"
)

// Store is the system of record: cases with their events, the measure tallies, reference data and
// accounts. Every implementation passes the storetest conformance suite. Only Service calls the
// case-writing methods.
//
// Errors: a missing row is an ENotFound *Error, never (nil, nil); a lost optimistic-concurrency race
// is EConflict; a duplicate channel message is EDuplicate; a dependency that is down is EUnavailable.
//
// Further rules every store keeps (storetest checks them): a limit <= 0 means 100; an event whose
// Seq its case already has is refused and the call writes nothing; Event.Data comes back byte for
// byte, because the hash chain covers it (so no JSON type that reorders keys); times come back in
// UTC to the microsecond.
type Store interface {
	// CreateCase inserts c, its first events and its tallies in one transaction. It assigns c.ID and
	// completes c.Number by appending the ID (CompleteNumber); it fills in each event's ID (strictly
	// increasing, store-wide), CaseID and Summary.Number. If c.ExternalID is not empty and a case
	// with the same Channel and ExternalID exists, nothing is written and the error is EDuplicate.
	CreateCase(ctx context.Context, c *Case, events []*Event, tallies []Tally) error
	// UpdateCase writes c, appends events and adds tallies in one transaction, provided the stored
	// case's Version still equals prevVersion (otherwise EConflict and nothing is written). It fills
	// in each event's ID, CaseID and Summary.Number.
	UpdateCase(ctx context.Context, c *Case, prevVersion int64, events []*Event, tallies []Tally) error

	// Case, CaseByNumber and CaseByExternalID give the case's seal too (a case keeps the first
	// seal a write gives it; the case lists of ListCases need not carry it).
	Case(ctx context.Context, id int64) (*Case, error)
	CaseByNumber(ctx context.Context, number string) (*Case, error)
	CaseByExternalID(ctx context.Context, channel, externalID string) (*Case, error)
	ListCases(ctx context.Context, f CaseFilter) (CasePage, error)
	// CaseEvents returns a case's events in Seq order (ENotFound for a case that does not exist).
	CaseEvents(ctx context.Context, caseID int64) ([]*Event, error)
	// EventsAfter returns up to limit events with ID > afterID in ID order. A reader that resumes
	// from the last ID it saw must never miss an event, even one whose transaction committed late.
	EventsAfter(ctx context.Context, afterID int64, limit int) ([]*Event, error)
	// LastEventID is the highest event ID a reader can safely resume from (0 when there are none).
	LastEventID(ctx context.Context) (int64, error)
	// ListEvents returns up to f.Limit events that f selects, in ID order (feeds read time windows).
	ListEvents(ctx context.Context, f EventFilter) ([]*Event, error)
	// DueCases returns the IDs of cases whose NextDue is at or before now, earliest first.
	DueCases(ctx context.Context, now time.Time, limit int) ([]int64, error)
	// CaseIDs pages through every case ID in ascending order (for audits and copies).
	CaseIDs(ctx context.Context, afterID int64, limit int) ([]int64, error)
	// Tallies sums the counters of the days From..To (inclusive, "YYYY-MM-DD") for one dimension,
	// and adds the gauges (Day == "") of that dimension.
	Tallies(ctx context.Context, q TallyQuery) ([]TallyRow, error)
	// TallySeries sums one dimension's day counters of From..To per day, or per month (whole
	// months from the month rollups, the ragged ends from the days), for the measures named (all
	// when none). Gauges have no series. Rows come sorted by period, key and measure.
	TallySeries(ctx context.Context, q TallySeriesQuery) ([]TallyPoint, error)

	// SaveReference replaces the reference data. Reference returns it, or ENotFound if none was
	// ever saved.
	SaveReference(ctx context.Context, ref *Reference) error
	Reference(ctx context.Context) (*Reference, error)
	// InitReference saves ref only if no reference data was ever saved, atomically, and reports
	// whether it did: of several instances starting on one empty store, exactly one wins.
	InitReference(ctx context.Context, ref *Reference) (bool, error)
	// ReferenceVersion is 0 before any save and grows with every save (instances poll it to
	// reload reference data another instance or an import changed).
	ReferenceVersion(ctx context.Context) (int64, error)

	// PutAccount inserts or replaces the account with the same login.
	PutAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, login string) (*Account, error)
	Accounts(ctx context.Context) ([]*Account, error)
	// PutToken stores a bearer token by its hash; TokenAccount returns its account and the token
	// if the token exists and has not expired at now (an expired token is ENotFound, like an
	// unknown one).
	PutToken(ctx context.Context, t Token) error
	TokenAccount(ctx context.Context, hash string, now time.Time) (*Account, *Token, error)
	// Tokens returns every token that has not expired at now, with its hash, in any order.
	Tokens(ctx context.Context, now time.Time) ([]*Token, error)
	// TouchToken records a use of the token: its LastUsedAt becomes usedAt and its ExpiresAt
	// expiresAt. A token that no longer exists (revoked) or has expired at usedAt is ENotFound and
	// stays as it is: a touch never brings a token back.
	TouchToken(ctx context.Context, hash string, usedAt, expiresAt time.Time) error
	// DeleteToken removes a token (ENotFound if there is none with the hash); DeleteAccountTokens
	// removes every token of an account and returns how many there were.
	DeleteToken(ctx context.Context, hash string) error
	DeleteAccountTokens(ctx context.Context, login string) (int, error)
	// PutAPIKey stores (or replaces) an Open311 api key by its hash; APIKey finds it; APIKeys
	// returns every key with its hash, in any order.
	PutAPIKey(ctx context.Context, k APIKey) error
	APIKey(ctx context.Context, hash string) (*APIKey, error)
	APIKeys(ctx context.Context) ([]*APIKey, error)

	// WriteAdmin makes one change of the admin API and appends its log entry in one transaction
	// (adminlog.go says what each field does); it fills in w.Entry.ID and returns the number of
	// tokens it revoked. A reference saved over a version other than w.ReferenceVersion, or an
	// account created over an existing one, is EConflict and writes nothing.
	WriteAdmin(ctx context.Context, w AdminWrite) (int, error)
	// DisplayToken finds a display screen's token by its hash (ENotFound if none); DisplayTokens
	// returns them all, oldest first. They are written by WriteAdmin (AdminWrite.Display).
	DisplayToken(ctx context.Context, hash string) (DisplayToken, error)
	DisplayTokens(ctx context.Context) ([]DisplayToken, error)
	// AdminLog returns up to f.Limit (0: 100) entries of the admin log that f selects, newest first.
	AdminLog(ctx context.Context, f AdminLogFilter) ([]*AdminEntry, error)

	// Ping reports whether the store can be reached.
	Ping(ctx context.Context) error
	Close() error
}

// CommitStats is implemented by stores that commit the case writes waiting at one moment in one
// transaction (group commit). Writes is the number of case writes committed since the store was
// opened, Commits the number of transactions they took: Writes/Commits is the mean batch.
type CommitStats interface {
	CommitStats() (writes, commits int64)
}

// CompleteNumber appends a case ID to a number stem: ("QJ20261127", 42) -> "QJ20261127000042".
func CompleteNumber(stem string, id int64) string { return fmt.Sprintf("%s%06d", stem, id) }

// CaseFilter selects cases. Zero values select everything.
type CaseFilter struct {
	IDs          []int64
	Numbers      []string
	States       []State
	Open         *bool  // true: open states only; false: finished states only
	Unit         string // current handling unit
	Owner        string // current owner
	VisibleTo    string // a unit that owns or has owned the case
	Category     string
	Channel      string
	Jurisdiction string
	Overdue      *bool // Case.IsOverdue as of the last write: a running clock marked overdue
	CreatedFrom  time.Time
	CreatedTo    time.Time // exclusive
	UpdatedAfter time.Time // exclusive
	// UpdatedBefore keeps the cases last written before it (exclusive).
	UpdatedBefore time.Time
	Newest        bool // order by ID descending (default ascending)
	Offset        int
	Limit         int // 0 means 100

	Categories []string // any of these categories
	// OpenOrUpdatedSince, when set, keeps the open cases and the finished ones last written at or
	// after it (a console's snapshot: every open case and those finished today).
	OpenOrUpdatedSince time.Time
	// Phone keeps the cases whose reporter left exactly this phone number (a caller's history):
	// the first reporter, a joined report's (Case.Reports), or the reporter of a case merged into it.
	Phone string
	// OpenID keeps the cases a WeChat reporter filed or joined (Contact.OpenID), as Phone does:
	// the citizen's own cases.
	OpenID string
	// Review keeps the cases whose review (Case.Review) is in this state: "pending" is the shift
	// leader's queue of 不满意 answers.
	Review string
	// Cells keeps the cases reported in any of these res-9 H3 cells (Routing.Cell, hex): the cases
	// behind a hot-spot cell.
	Cells []string
	// Published keeps what the public may read: the public cases (Case.IsPublic), and, when APIKey
	// is set too, the cases that api key submitted. APIKey alone keeps only the cases it submitted.
	Published bool
	APIKey    string
	// Event keeps the cases with an event that it matches: the cases behind a measure.
	Event *EventMatch
	// ExceptStates leaves out the cases in these states.
	ExceptStates []State
	// MergedInto keeps the cases merged into the case of this number (Case.MergedInto).
	MergedInto string
}

// EventMatch selects cases by their events: one of Types at or after From and before To.
type EventMatch struct {
	Types    []string
	From, To time.Time
	// Latest counts only each case's last event of Types: the case is kept if that one is in the
	// range (a follow-up replaces the answer of the one before).
	Latest bool
	// Require is a condition on the matching event's data: RequireOnTime (a closure within the
	// handling deadline: data.on_time true) or RequireSatisfied (a follow-up answered 满意 or
	// 基本满意: data.satisfaction not "dissatisfied").
	Require string
	// Unit keeps the events counted under a unit: the unit the event names in its data (a
	// dispatch's, a return's, a rework's), otherwise the case's unit after the event's write.
	// Only the events of cases the unit owns or has owned are looked into.
	Unit string
}

// EventMatch.Require conditions.
const (
	RequireOnTime    = "on_time"
	RequireSatisfied = "satisfied"
)

// CasePage is one page of cases and the total number that matched.
type CasePage struct {
	Cases []*Case `json:"cases"`
	Total int     `json:"total"`
}

// Tally is one counter change, written in the same transaction as the events that cause it.
// Counters (Day set) count events of a day; gauges (Day "") hold a current number such as the open
// cases that are overdue now.
type Tally struct {
	Day     string // YYYY-MM-DD in the calendar's zone; "" for a gauge
	Dim     string // DimAll, DimUnit, DimJurisdiction, DimCategory, DimChannel
	Key     string // the unit code, jurisdiction code, ... ("" for DimAll)
	Measure string
	Delta   int64
}

// Tally dimensions.
const (
	DimAll          = "all"
	DimUnit         = "unit"
	DimJurisdiction = "jurisdiction"
	DimCategory     = "category"
	DimChannel      = "channel"
)

// Dims lists the dimensions every measure is kept for.
var Dims = []string{DimAll, DimUnit, DimJurisdiction, DimCategory, DimChannel}

// TallyQuery asks for one dimension's sums over a range of days.
type TallyQuery struct {
	Dim      string
	From, To string // inclusive days, YYYY-MM-DD
	// Prefix keeps only the keys that start with it: one category's cells in the dimensions
	// whose key is category + "/" + cell (DimH3R7Cat, DimH3R9Cat).
	Prefix string
}

// TallySeriesQuery asks for one dimension's counters per day or per month of a range.
type TallySeriesQuery struct {
	Dim      string
	From, To string // inclusive days, YYYY-MM-DD
	Monthly  bool
	Measures []string // nil: every measure
}

// TallyPoint is the sum of one measure for one key of a dimension on one day (YYYY-MM-DD) or in
// one month (YYYY-MM).
type TallyPoint struct {
	Period  string
	Key     string
	Measure string
	Count   int64
}

// TallyRow is the sum of one measure for one key of a dimension.
type TallyRow struct {
	Key     string
	Measure string
	Count   int64
}

// Account is a person who signs in to the hub.
type Account struct {
	Login        string       `json:"login"`
	Name         string       `json:"name"`
	Role         Role         `json:"role"`
	Unit         string       `json:"unit"`
	Certificate  *Certificate `json:"certificate,omitempty"`
	PasswordHash string       `json:"-"`
	Disabled     bool         `json:"disabled,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
}

// Actor is the account acting.
func (a *Account) Actor() Actor {
	return Actor{Login: a.Login, Name: a.Name, Role: a.Role, Unit: a.Unit, Certificate: a.Certificate}
}

// Token is a bearer token, kept only as a hash.
type Token struct {
	Hash      string
	Login     string
	CreatedAt time.Time
	// ExpiresAt is when the token stops working unless it is used before: each use moves it
	// forward (TokenIdle), never past CreatedAt + TokenMaxLifetime.
	ExpiresAt time.Time
	// LastUsedAt is the last use recorded (zero: never). Uses are recorded at most every
	// TokenTouchInterval, so it may be that much behind.
	LastUsedAt time.Time
}

// APIKey is an Open311 client's key, kept only as a hash.
type APIKey struct {
	Hash      string    `json:"-"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled,omitempty"`
}

// Bus carries wake-ups between the writers and the readers of events: "events up to ID n exist".
// It is only a doorbell; readers always read the events themselves from the Store. A bus that has
// lost its connection may ring with a larger id than exists (math.MaxInt64), so that readers poll
// the store until it is back: readers must move their cursor by the events they read, never by
// the id a wake-up carries.
type Bus interface {
	// Publish rings the doorbell and never blocks: it hands the wake-up over (to subscribers, to a
	// goroutine that talks to the network) and returns at once. The events are committed before it
	// is called, so a wake-up that is lost only delays readers until their next poll of the store.
	// It fails only when the bus is closed; failures to deliver are the bus's to count and log.
	Publish(ctx context.Context, lastEventID int64) error
	// Subscribe returns a channel of wake-ups and a function that ends the subscription. A slow
	// subscriber may miss wake-ups but always gets a later one (wake-ups are coalesced, not queued).
	Subscribe() (<-chan int64, func())
	Close() error
}
