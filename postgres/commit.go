package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync/atomic"

	"cityhub/dispatcher"
	"cityhub/internal/groupcommit"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Group commit. A write transaction of its own for every case write costs the server a round
// trip, the event-id lock protocol and a commit with its WAL flush, which is most of the cost of
// a small write. So writes are queued (internal/groupcommit), and the committer takes every write
// waiting when it becomes free and runs them in one transaction, sent in one round trip: one draw
// of ids, the writes' statements, COMMIT. Each caller returns only after that commit, so a write
// answered with success is committed.
//
// Each caller builds and encodes its own write before queuing it, in its own goroutine, and the
// committer only joins the writes: so the server waits on the hub neither within a transaction
// nor for long between two. (One committer gave larger batches, and more reports a second, than
// two or four in the Open311 load test: two gave batches half the size and 10-17% fewer reports.)
//
// Within a batch the updates are ordered by case id, so that the batches of several instances
// lock case rows in one order and cannot deadlock on them.
//
// A batch fails as a whole: if the server refuses any of its statements (a duplicate channel
// message, a deadlock, a constraint), nothing of it was committed, and each of its writes is run
// again alone, so that only the one at fault fails. A batch that fails for any other reason (the
// connection broke) fails every write in it, as a lone write would: the server may or may not
// have committed it, and running it again could write it twice.

const (
	// maxBatch bounds how many writes share one transaction.
	maxBatch = 64
	// maxAttempts bounds how often a lone write that lost a deadlock or a serialization check is
	// retried.
	maxAttempts = 3
)

// writeJob is one case write waiting for its batch, built by its caller.
type writeJob struct {
	ctx    context.Context
	caseID int64 // the case it updates (0 for a new case)
	w      caseWrite
	// A new case is written as rows of the batch's insert; an update is a statement of its own,
	// whose argument slotsArg (-1 if it has no events) holds its event slots, counted from 1.
	newCase  *encodedCase
	sql      string
	args     []any
	slotsArg int

	firstEvent int   // the slot of its first event in the batch in flight
	found      int64 // case rows written: 1, or 0 for an update that found a newer version
	err        error
}

// newWriteJob builds and encodes w, a new case if isNew.
func newWriteJob(ctx context.Context, w caseWrite, isNew bool) (*writeJob, error) {
	job := &writeJob{ctx: ctx, w: w, slotsArg: -1}
	if isNew {
		var err error
		job.newCase, err = encodeCase(w.c, w.events)
		return job, err
	}
	job.caseID = w.c.ID
	var err error
	job.sql, job.args, job.slotsArg, err = updateCase(w)
	return job, err
}

type committer struct {
	queue   *groupcommit.Queue[*writeJob]
	caseIDs caseIDReserve
	batches atomic.Int64 // transactions committed (for tests and metrics)
	writes  atomic.Int64 // case writes they committed (an update that found a newer version writes nothing)
}

func (s *Store) startCommitters() {
	s.commit.queue = groupcommit.Start(maxBatch, func(batch []*groupcommit.Job[*writeJob]) {
		jobs := make([]*writeJob, len(batch))
		for i, job := range batch {
			jobs[i] = job.Work
		}
		s.commitBatch(jobs)
		for i, job := range batch {
			job.Err = jobs[i].err
		}
	})
}

// stopCommitters lets the batch in flight finish and fails the writes still queued.
func (s *Store) stopCommitters() { s.commit.queue.Stop() }

// write queues w (a new case if isNew), and returns once its transaction has committed the
// number of case rows it wrote (1, or 0 for an update that found a newer version: then it wrote
// nothing). The ids of w's events are filled in then.
func (s *Store) write(ctx context.Context, what string, w caseWrite, isNew bool) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	job, err := newWriteJob(ctx, w, isNew)
	if err != nil {
		return 0, s.storeErr(err, what)
	}
	err = s.commit.queue.Do(ctx, job)
	if errors.Is(err, groupcommit.ErrClosed) {
		return 0, dispatcher.Errorf(dispatcher.EUnavailable, "%s: the store is closing", what)
	}
	return job.found, s.storeErr(err, what)
}

func (s *Store) commitBatch(batch []*writeJob) {
	switch len(batch) {
	case 1:
		s.writeAlone(batch[0])
		return
	}
	slices.SortStableFunc(batch, func(a, b *writeJob) int { return cmp.Compare(a.caseID, b.caseID) })
	// The batch runs for all its callers: one giving up must not roll back the others' writes.
	ctx, cancel := withTimeout(context.WithoutCancel(batch[0].ctx))
	defer cancel()
	err := s.writeTogether(ctx, batch)
	var refused *pgconn.PgError
	switch {
	case err == nil:
	case errors.As(err, &refused):
		for _, job := range batch {
			s.writeAlone(job)
		}
	default:
		for _, job := range batch {
			job.found, job.err = 0, err
		}
	}
}

// CommitStats implements dispatcher.CommitStats.
func (s *Store) CommitStats() (writes, commits int64) {
	return s.commit.writes.Load(), s.commit.batches.Load()
}

// writeAlone runs one job in a transaction of its own, retrying it after a lost deadlock.
func (s *Store) writeAlone(job *writeJob) {
	ctx, cancel := withTimeout(job.ctx)
	defer cancel()
	for range maxAttempts {
		job.found, job.err = 0, nil
		job.err = s.writeTogether(ctx, []*writeJob{job})
		if code := pgCode(job.err); code != "40P01" && code != "40001" {
			return
		}
	}
}

// writeTogether runs the jobs in one transaction, sent in one round trip: the draw of ids for all
// of them (handed out in job order), their statements and COMMIT. It sets each job's found, and
// the ids of its events, only if the transaction committed.
func (s *Store) writeTogether(ctx context.Context, jobs []*writeJob) (err error) {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer pc.Release()
	conn := pc.Conn()
	defer func() {
		if err != nil {
			cleanUp(conn)
		}
	}()
	b := &pgx.Batch{}
	events := 0
	for _, job := range jobs {
		events += len(job.w.events)
	}
	refill := s.commit.caseIDs.owed()
	queueBegin(b, events, refill)
	first := b.Len()
	slots := statements(b, jobs)
	found := make([]int64, b.Len()-first)
	hook := s.beforeCommit
	if hook == nil {
		b.Queue("COMMIT") // in the same round trip; skipped by the server if a write failed
	}
	br := conn.SendBatch(ctx, b)
	eventIDs, caseIDs, err := readBegin(br, events, refill)
	if err == nil {
		s.commit.caseIDs.put(caseIDs) // drawn whether or not the transaction commits
	} else {
		s.commit.caseIDs.owe(refill)
	}
	for i := range found {
		if err != nil {
			break
		}
		err = br.QueryRow().Scan(&found[i])
	}
	if err == nil && hook == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if hook != nil {
		hook(jobs[0].ctx)
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return err
		}
	}
	if conn.PgConn().TxStatus() != 'I' {
		return errors.New("postgres: the transaction did not commit")
	}
	s.commit.batches.Add(1)
	for i, job := range jobs {
		for k, e := range job.w.events {
			e.ID = eventIDs[job.firstEvent-1+k]
		}
		job.found = found[slots[i]]
		if job.caseID == 0 {
			job.found = 1 // the statement of the new cases answers their number
		}
		s.commit.writes.Add(job.found)
	}
	return nil
}

// statements hands out the slots of the jobs' events (positions among the ids the transaction
// draws) in job order, and queues the jobs' statements on b: one for all the new cases and one
// per update. It returns the statement of each job, counted from the first it queued. Each
// statement returns the number of case rows it wrote.
func statements(b *pgx.Batch, jobs []*writeJob) []int {
	var inserts *newCaseColumns
	var tallies []dispatcher.Tally
	first := b.Len()
	slots := make([]int, len(jobs))
	next := 1
	for i, job := range jobs {
		job.firstEvent, next = next, next+len(job.w.events)
		if job.caseID == 0 {
			if inserts == nil {
				inserts = newColumns(len(jobs), 3*len(jobs))
			}
			inserts.add(job.newCase, job.firstEvent)
			tallies = append(tallies, job.w.tallies...)
			continue
		}
		args := job.args
		if job.slotsArg >= 0 {
			args = slices.Clone(args)
			args[job.slotsArg] = shiftSlots(args[job.slotsArg].([]int32), job.firstEvent-1)
		}
		slots[i] = b.Len() - first
		b.Queue(job.sql, args...)
	}
	if inserts != nil {
		for i, job := range jobs {
			if job.caseID == 0 {
				slots[i] = b.Len() - first
			}
		}
		b.Queue(insertCasesSQL, inserts.args(tallies)...)
	}
	return slots
}
