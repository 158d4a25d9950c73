package dispatcher

import "context"

// AuditStore verifies the hash chain of every case in the store, in case order. It returns the
// number of cases and events checked, or the first broken case's error.
func AuditStore(ctx context.Context, store Store) (cases, events int, err error) {
	var after int64
	for {
		ids, err := store.CaseIDs(ctx, after, 500)
		if err != nil {
			return cases, events, err
		}
		if len(ids) == 0 {
			return cases, events, nil
		}
		for _, id := range ids {
			n, err := auditCase(ctx, store, id)
			if err != nil {
				return cases, events, err
			}
			cases, events = cases+1, events+n
		}
		after = ids[len(ids)-1]
	}
}

func auditCase(ctx context.Context, store Store, id int64) (int, error) {
	c, err := store.Case(ctx, id)
	if err != nil {
		return 0, err
	}
	evs, err := store.CaseEvents(ctx, id)
	if err != nil {
		return 0, err
	}
	return len(evs), VerifyChain(c, evs)
}
