package dispatcher

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"
)

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
// (Case gives the seal of a case too, which the copy keeps.)
type Exporter interface {
	// ExportTallies calls fn for every stored tally (day counters and gauges).
	ExportTallies(ctx context.Context, fn func(TallyRecord) error) error
	// ExportLog calls fn for every leaf of the district-wide log, in index order, and
	// ExportLogHashes for every stored hash of its tree, in index order. (The checkpoints are
	// read with LogStore.Checkpoints.)
	ExportLog(ctx context.Context, fn func(LogLeaf) error) error
	ExportLogHashes(ctx context.Context, fn func(index int64, h tlog.Hash) error) error
}

// Importer takes a copy. It must be given an empty store; after the last import FinishImport makes
// new ids continue after the highest imported ones.
type Importer interface {
	// ImportCases writes cases and their events exactly as given (IDs, numbers, hashes), in one
	// transaction per call. events[i] are the events of cases[i].
	ImportCases(ctx context.Context, cases []*Case, events [][]*Event) error
	// ImportTallies writes tallies as given, in one transaction per call.
	ImportTallies(ctx context.Context, rows []TallyRecord) error
	// ImportLog writes leaves of the log and stored hashes of its tree (hashes[i] at index
	// firstHash+i) as given, in one transaction per call. (Checkpoints are written with
	// LogStore.PutCheckpoint.)
	ImportLog(ctx context.Context, leaves []LogLeaf, firstHash int64, hashes []tlog.Hash) error
	// ImportDisplayTokens writes display screens' tokens as given, in one transaction.
	ImportDisplayTokens(ctx context.Context, ds []DisplayToken) error
	// FinishImport moves the id sequences past the imported rows.
	FinishImport(ctx context.Context) error
}
