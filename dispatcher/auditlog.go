package dispatcher

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// The district-wide log. Every event, in event-ID order, is appended to an append-only Merkle
// tree kept in the store, as Certificate Transparency logs certificates (RFC 6962 hashing, with
// golang.org/x/mod/sumdb/tlog). Signed checkpoints of the tree (checkpoint.go), published
// outside the hub, let anyone prove later that today's log still holds every event it held then,
// unchanged: a deleted case, a truncated history or a rewritten event changes the tree's root.
//
// A leaf is a small canonical record of the event (LogLeaf.Record). The appender runs in every
// serving instance: it reads the store's complete prefix of events (as EventsAfter does) and
// appends what follows the log's last leaf, in a transaction that no other appender can
// interleave with, so each event is appended once and in ID order whichever instance wrote it.

// LogLeaf is one entry of the log: an event, named by what identifies it, and its hash.
type LogLeaf struct {
	Index   int64 // from 0
	EventID int64
	CaseID  int64
	Number  string // the case number
	Seq     int64
	Hash    string // the event's hash
}

type leafRecord struct {
	Event  int64  `json:"event"`
	Case   int64  `json:"case"`
	Number string `json:"number"`
	Seq    int64  `json:"seq"`
	Hash   string `json:"hash"`
}

// Record is the leaf's canonical JSON, the record the tree hashes.
func (l LogLeaf) Record() []byte {
	b, _ := canonicalJSON(leafRecord{Event: l.EventID, Case: l.CaseID, Number: l.Number, Seq: l.Seq, Hash: l.Hash})
	return b
}

// LeafHash is the tree's hash of the leaf (RFC 6962: SHA-256 of 0x00 and the record).
func (l LogLeaf) LeafHash() tlog.Hash { return tlog.RecordHash(l.Record()) }

func leafOf(index int64, e *Event, number string) LogLeaf {
	return LogLeaf{Index: index, EventID: e.ID, CaseID: e.CaseID, Number: number, Seq: e.Seq, Hash: e.Hash}
}

// LogAppend is what one append adds: leaves from the log's size on, and the tree's stored
// hashes from tlog.StoredHashIndex(0, size) on, contiguous.
type LogAppend struct {
	Leaves []LogLeaf
	Hashes []tlog.Hash
}

// LogBuilder makes the append of events to a log of size leaves, whose stored hashes r reads.
type LogBuilder func(size int64, events []*Event, r tlog.HashReader) (LogAppend, error)

// Checkpoint is a signed statement of the log's size and root hash.
type Checkpoint struct {
	Size      int64
	Root      tlog.Hash
	Note      string // the signed note, as published
	CreatedAt time.Time
}

// LogStore keeps the log and its checkpoints. Both stores implement it.
type LogStore interface {
	// AppendLog reads up to limit events that follow the log's last leaf, as EventsAfter does (a
	// complete prefix, in ID order), hands them to build with the log's size and a reader of its
	// stored hashes, and writes what build returns, in one transaction that no other append (of
	// any instance) can interleave with. It returns the number of leaves written.
	AppendLog(ctx context.Context, limit int, build LogBuilder) (int, error)
	// LogSize is the number of leaves.
	LogSize(ctx context.Context) (int64, error)
	// LogLeaves returns up to limit leaves from index from on, in index order.
	LogLeaves(ctx context.Context, from int64, limit int) ([]LogLeaf, error)
	// LogHashes returns the stored hashes at indexes (an error if one is missing).
	LogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// PutCheckpoint keeps a checkpoint; one of the same size kept earlier stays as it is.
	PutCheckpoint(ctx context.Context, c Checkpoint) error
	// Checkpoints returns the checkpoints kept, by size.
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
}

// storeHashes reads a LogStore's stored hashes as a tlog.HashReader.
type storeHashes struct {
	ctx context.Context
	ls  LogStore
}

func (r storeHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return r.ls.LogHashes(r.ctx, indexes)
}

// frontier is a tlog.HashReader of a tree being built in order that keeps only the hashes later
// leaves and the root still need: those of its largest complete subtrees.
type frontier map[int64]tlog.Hash

// newFrontier reads the frontier of the tree of size leaves from r (the hashes tlog.TreeHash
// reads: it asks for exactly those, in one call).
func newFrontier(size int64, r tlog.HashReader) (frontier, error) {
	f := frontier{}
	_, err := tlog.TreeHash(size, tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs, err := r.ReadHashes(indexes)
		for i := range min(len(hs), len(indexes)) {
			f[indexes[i]] = hs[i]
		}
		return hs, err
	}))
	return f, err
}

func (f frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := f[x]
		if !ok {
			return nil, fmt.Errorf("audit log: hash %d is not at hand", x)
		}
		out[i] = h
	}
	return out, nil
}

// add appends leaf n with hash h; it returns the stored hashes of leaf n.
func (f frontier) add(n int64, h tlog.Hash) ([]tlog.Hash, error) {
	hs, err := tlog.StoredHashesForRecordHash(n, h, f)
	if err != nil {
		return nil, err
	}
	top := len(hs) - 1
	for level := range top { // the subtrees the new one completes are no longer needed
		delete(f, tlog.StoredHashIndex(level, n>>level-1))
	}
	f[tlog.StoredHashIndex(top, n>>top)] = hs[top]
	return hs, nil
}

func (f frontier) root(size int64) (tlog.Hash, error) { return tlog.TreeHash(size, f) }

// BuildLog is the LogBuilder of the appender: a leaf per event, and the tree's new hashes.
func BuildLog(size int64, events []*Event, r tlog.HashReader) (LogAppend, error) {
	f, err := newFrontier(size, r)
	if err != nil {
		return LogAppend{}, err
	}
	app := LogAppend{Leaves: make([]LogLeaf, len(events))}
	for i, e := range events {
		leaf := leafOf(size+int64(i), e, e.Summary.Number)
		hs, err := f.add(leaf.Index, leaf.LeafHash())
		if err != nil {
			return LogAppend{}, err
		}
		app.Leaves[i] = leaf
		app.Hashes = append(app.Hashes, hs...)
	}
	return app, nil
}

// appendBatch is how many events one append takes at most.
const appendBatch = 2000

// AppendLog appends to the log every event not in it yet, a batch at a time, and returns how
// many it appended.
func AppendLog(ctx context.Context, ls LogStore) (int, error) {
	total := 0
	for {
		n, err := ls.AppendLog(ctx, appendBatch, BuildLog)
		total += n
		if err != nil || n < appendBatch {
			return total, err
		}
	}
}

// appendPause is the shortest time between two appends of a running appender: under load one
// append takes the events of many writes.
const appendPause = 250 * time.Millisecond

// RunLogAppender appends new events to the log every second and soon after each wake-up of the
// bus, until ctx ends. Every serving instance runs one.
func RunLogAppender(ctx context.Context, ls LogStore, bus Bus, log *slog.Logger) {
	wake, stop := bus.Subscribe()
	defer stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if _, err := AppendLog(ctx, ls); err != nil && ctx.Err() == nil {
			log.Warn("audit log: append", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-wake:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(appendPause):
		}
	}
}

// auditLeaf is what the audit keeps of each event for the log check, compactly (a district keeps
// millions of events).
type auditLeaf struct {
	eventID int64
	seq     int64
	number  int32 // index into auditor.numbers
	hash    tlog.Hash
}

func (a *auditor) addLeaf(e *Event, number int) {
	h := leafOf(0, e, a.numbers[number]).LeafHash()
	a.leaves = append(a.leaves, auditLeaf{eventID: e.ID, seq: e.Seq, number: int32(number), hash: h})
}

func (a *auditor) leafName(l auditLeaf) string {
	return fmt.Sprintf("event %d (case %s, seq %d)", l.eventID, a.numbers[l.number], l.seq)
}

// logAndCheckpoints checks the log against the events, recomputing every leaf from the events
// table, and the checkpoints (those kept in the store, and the published one if given) against
// both the recomputed leaves and the stored log.
func (a *auditor) logAndCheckpoints(published *Checkpoint, vkey string) error {
	slices.SortFunc(a.leaves, func(x, y auditLeaf) int { return cmp.Compare(x.eventID, y.eventID) })
	size, err := a.rd.LogSize(a.ctx)
	if err != nil {
		return err
	}
	a.rep.LogSize = size
	kept, err := a.rd.Checkpoints(a.ctx)
	if err != nil {
		return err
	}
	differ, err := a.compareLeaves(size)
	if err != nil {
		return err
	}
	lc := &logCheck{a: a, size: size, reader: tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return a.rd.LogHashes(a.ctx, indexes)
	})}
	if err := lc.roots(kept, published); err != nil {
		return err
	}
	lc.storedTree(differ)
	lc.checkpoints(kept, published, vkey)
	return nil
}

// compareLeaves walks the stored leaves and the recomputed ones together, by event ID, naming
// each event that is missing on one side or differs; it reports whether any did.
func (a *auditor) compareLeaves(size int64) (bool, error) {
	j, differ := 0, false
	for from := int64(0); from < size; {
		page, err := a.rd.LogLeaves(a.ctx, from, 5000)
		if err != nil {
			return false, err
		}
		if len(page) == 0 {
			return false, fmt.Errorf("audit log: leaf %d of %d cannot be read", from, size)
		}
		for _, l := range page {
			var d bool
			j, d = a.compareLeaf(l, j)
			differ = differ || d
		}
		from = page[len(page)-1].Index + 1
	}
	a.rep.Unlogged = len(a.leaves) - j
	return differ, nil
}

// compareLeaf compares the stored leaf l with the recomputed leaves from j on, and returns the
// index of the next recomputed leaf to compare.
func (a *auditor) compareLeaf(l LogLeaf, j int) (int, bool) {
	differ := false
	for j < len(a.leaves) && a.leaves[j].eventID < l.EventID {
		a.find("%s is in the events table but not in the audit log, though later events are", a.leafName(a.leaves[j]))
		j, differ = j+1, true
	}
	if j == len(a.leaves) || a.leaves[j].eventID != l.EventID {
		a.find("event %d (case %s, seq %d) is in the audit log but missing from the events table", l.EventID, l.Number, l.Seq)
		return j, true
	}
	if r := a.leaves[j]; r.hash != l.LeafHash() {
		a.find("%s is not what the audit log recorded: it logged case %s, seq %d, hash %s", a.leafName(r),
			l.Number, l.Seq, short(l.Hash))
		differ = true
	}
	return j + 1, differ
}

// logCheck checks tree hashes: the recomputed tree's roots at the sizes that matter, the stored
// tree, and the checkpoints.
type logCheck struct {
	a          *auditor
	size       int64 // leaves in the stored log
	reader     tlog.HashReader
	recomputed map[int64]tlog.Hash // roots of the tree of the events table's leaves, by size
	stored     tlog.Hash           // root of the stored log
}

// roots computes the root of the events table's tree at the stored log's size and at every
// checkpoint's, in one pass.
func (lc *logCheck) roots(kept []Checkpoint, published *Checkpoint) error {
	want := map[int64]bool{lc.size: true}
	for _, c := range kept {
		want[c.Size] = true
	}
	if published != nil {
		want[published.Size] = true
	}
	lc.recomputed = map[int64]tlog.Hash{}
	f := frontier{}
	for n := int64(0); ; n++ {
		if want[n] {
			root, err := f.root(n)
			if err != nil {
				return err
			}
			lc.recomputed[n] = root
		}
		if n == int64(len(lc.a.leaves)) {
			break
		}
		if _, err := f.add(n, lc.a.leaves[n].hash); err != nil {
			return err
		}
	}
	var err error
	lc.stored, err = tlog.TreeHash(lc.size, lc.reader)
	return err
}

// storedTree: the stored tree must have the root its leaves give (when they all match the events,
// the recomputed tree's).
func (lc *logCheck) storedTree(leavesDiffer bool) {
	if r, ok := lc.recomputed[lc.size]; ok && !leavesDiffer && r != lc.stored {
		lc.a.find("the audit log's stored tree hashes do not match its leaves: its root at size %d is %s, its leaves give %s",
			lc.size, lc.stored, r)
	}
}

// checkpoints checks the kept checkpoints and the published one.
func (lc *logCheck) checkpoints(kept []Checkpoint, published *Checkpoint, vkey string) {
	lc.a.rep.Checkpoints = len(kept)
	lc.a.rep.SignaturesChecked = vkey != ""
	for _, c := range kept {
		if vkey != "" {
			lc.signature(c, vkey)
		}
		lc.extends(c, fmt.Sprintf("checkpoint %d (kept in the store, signed %s)", c.Size, c.CreatedAt.UTC().Format(time.DateTime)))
	}
	if published != nil {
		if lc.extends(*published, fmt.Sprintf("checkpoint %d", published.Size)) {
			lc.a.rep.Published = published.Size
		}
	}
}

// signature checks that a kept checkpoint's note is signed by vkey and says what its row says.
func (lc *logCheck) signature(c Checkpoint, vkey string) {
	got, err := OpenCheckpoint([]byte(c.Note), vkey)
	switch {
	case err != nil:
		lc.a.find("checkpoint %d kept in the store: %v", c.Size, err)
	case got.Size != c.Size || got.Root != c.Root:
		lc.a.find("checkpoint %d kept in the store: its signed note says size %d and root %s, its row size %d and root %s",
			c.Size, got.Size, got.Root, c.Size, c.Root)
	}
}

// extends proves that the log extends checkpoint c: the tree of the first c.Size leaves
// recomputed from the events table has its root, and the stored log is consistent with it.
func (lc *logCheck) extends(c Checkpoint, name string) bool {
	total := int64(len(lc.a.leaves))
	if c.Size > total {
		lc.a.find("the log no longer extends %s: the events table holds only %d events", name, total)
		return false
	}
	if r := lc.recomputed[c.Size]; r != c.Root {
		lc.a.find("the log no longer extends %s: its first %d events hash to %s, the checkpoint says %s", name, c.Size, r, c.Root)
		return false
	}
	if c.Size > lc.size {
		lc.a.find("the audit log holds %d leaves, fewer than %s covers", lc.size, name)
		return false
	}
	proof, err := tlog.ProveTree(lc.size, c.Size, lc.reader)
	if err == nil {
		err = tlog.CheckTree(proof, lc.size, lc.stored, c.Size, c.Root)
	}
	if err != nil {
		lc.a.find("the stored audit log (%d leaves, root %s) does not extend %s: %v", lc.size, lc.stored, name, err)
		return false
	}
	return true
}
