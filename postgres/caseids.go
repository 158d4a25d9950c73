package postgres

import (
	"context"
	"slices"
	"sync"
)

// caseIDReserve holds case ids drawn ahead of the cases that take them. A new case's number is
// made from its id and written into its body and its events' bodies, so the id must be known
// before the write is built, and the write is built by its caller before it is queued
// (commit.go). Each transaction draws as many ids for the reserve as were taken from it since
// the last draw; a caller that finds the reserve empty draws one for itself. So the reserve holds
// about as many ids as new cases arrive during one transaction. Ids are taken in ascending order;
// the ones still held when the hub stops are never used, so case numbers may skip that many
// after a restart (a sequence skips numbers after a rollback anyway).
type caseIDReserve struct {
	mu   sync.Mutex
	ids  []int64 // ascending
	owes int     // ids taken since the last draw for the reserve
}

// newCaseID takes an id for a new case from the reserve, or draws one if it is empty.
func (s *Store) newCaseID(ctx context.Context) (int64, error) {
	r := &s.commit.caseIDs
	r.mu.Lock()
	r.owes++
	if len(r.ids) > 0 {
		id := r.ids[0]
		r.ids = r.ids[1:]
		r.mu.Unlock()
		return id, nil
	}
	r.mu.Unlock()
	var ids []int64
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	if err := s.pool.QueryRow(ctx, sqlDrawCases, 1).Scan(&ids); err != nil {
		return 0, err
	}
	return ids[0], nil
}

// owed is how many ids the next draw for the reserve should draw; the caller draws them, and
// puts them, or owes them again if the draw failed.
func (r *caseIDReserve) owed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(r.owes, 2*maxBatch)
	r.owes = 0
	return n
}

// owe adds n to the ids the next draw should draw.
func (r *caseIDReserve) owe(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.owes += n
}

// put adds newly drawn ids.
func (r *caseIDReserve) put(ids []int64) { r.giveBack(ids...) }

// giveBack returns ids that were taken but not used (their transaction rolled back), to be taken
// first. (The draw they were owed to is not undone: the reserve holds that many more.)
func (r *caseIDReserve) giveBack(ids ...int64) {
	if len(ids) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, ids...)
	slices.Sort(r.ids)
}
