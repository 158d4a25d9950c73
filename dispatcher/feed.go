package dispatcher

import (
	"context"
	"time"
)

// EventFilter selects events district-wide: a window of time, some types, and which cases. Zero
// values select everything.
type EventFilter struct {
	Types []string  // Event.Type values; empty: every type
	From  time.Time // At >= From
	To    time.Time // At < To
	// Published and APIKey select the events of the cases CaseFilter's fields of the same names
	// select: what the public may read, and what one api key submitted.
	Published bool
	APIKey    string
	Limit     int // 0 means 100
}

// MaxEventPage is the most events Service.Events returns at once.
const MaxEventPage = 10000

// Events lists events district-wide, in ID order, for the hub's own channels (the Open311 updates
// feed reads them as the system) and the command centre; a unit's members read events case by
// case, so that they only ever see their unit's.
func (s *Service) Events(ctx context.Context, actor Actor, f EventFilter) ([]*Event, error) {
	if actor.Role != System && !actor.InCentre() {
		return nil, Errorf(EForbidden, "只有指挥中心可以查看全区事件 (only the command centre reads events district-wide)")
	}
	if f.Limit <= 0 || f.Limit > MaxEventPage {
		f.Limit = MaxEventPage
	}
	return s.store.ListEvents(ctx, f)
}

// EventsAfter lists the events after an id, in id order, for the hub's own channels that follow
// the log (the WeChat channel's notices) and the command centre.
func (s *Service) EventsAfter(ctx context.Context, actor Actor, afterID int64, limit int) ([]*Event, error) {
	if actor.Role != System && !actor.InCentre() {
		return nil, Errorf(EForbidden, "只有指挥中心可以查看全区事件 (only the command centre reads events district-wide)")
	}
	if limit <= 0 || limit > MaxEventPage {
		limit = MaxEventPage
	}
	return s.store.EventsAfter(ctx, afterID, limit)
}
