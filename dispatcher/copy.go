package dispatcher

import "context"

// A district moves from one store to another (SQLite to PostgreSQL) with every case number, event
// id and hash kept, so that `cityhub audit verify` passes on the copy. The source store implements
// Exporter, the target Importer.

// TallyRecord is one stored counter or gauge, as it is kept.
type TallyRecord struct {
	Day     string // "" for a gauge
	Dim     string
	Key     string
	Measure string
	Count   int64
}

// Exporter reads what CaseIDs, Case, CaseEvents, Reference, Accounts and APIKeys do not reach.
type Exporter interface {
	// ExportTallies calls fn for every stored tally (day counters and gauges).
	ExportTallies(ctx context.Context, fn func(TallyRecord) error) error
}

// Importer takes a copy. It must be given an empty store; after the last import FinishImport makes
// new ids continue after the highest imported ones.
type Importer interface {
	// ImportCases writes cases and their events exactly as given (IDs, numbers, hashes), in one
	// transaction per call. events[i] are the events of cases[i].
	ImportCases(ctx context.Context, cases []*Case, events [][]*Event) error
	// ImportTallies writes tallies as given, in one transaction per call.
	ImportTallies(ctx context.Context, rows []TallyRecord) error
	// FinishImport moves the id sequences past the imported rows.
	FinishImport(ctx context.Context) error
}
