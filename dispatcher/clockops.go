package dispatcher

import "time"

// Limits used when the catalogue names none.
var (
	defaultRegisterLimit = Limit{Value: 2, Unit: WorkHour}
	defaultCheckLimit    = Limit{Value: 1, Unit: WorkDay}
)

func (s *Service) registerLimit() Limit {
	if l := s.Reference().Catalogue.RegisterLimit; l != nil && l.Valid() {
		return *l
	}
	return defaultRegisterLimit
}

func (s *Service) checkLimit() Limit {
	if l := s.Reference().Catalogue.CheckLimit; l != nil && l.Valid() {
		return *l
	}
	return defaultCheckLimit
}

// ackLimit is 1 work hour, or 30 natural minutes for urgent categories (from the catalogue).
func (s *Service) ackLimit(urgent bool) Limit {
	ack := s.Reference().Catalogue.AcknowledgeLimit
	if urgent && ack.Urgent != nil && ack.Urgent.Valid() {
		return *ack.Urgent
	}
	return ack.Limit
}

func (s *Service) startClock(now time.Time, l Limit) *Clock {
	cal := s.Calendar()
	return &Clock{Limit: l, StartedAt: now, Deadline: cal.Deadline(now, l).UTC(), WarnAt: cal.WarnAt(now, l).UTC()}
}

func stopClock(k *Clock, now time.Time) {
	if k != nil && k.StoppedAt == nil {
		t := now
		k.StoppedAt = &t
		k.SuspendedAt = nil
	}
}

// stopAll stops every clock (the case is finished or back at the centre), settling the
// acknowledgement clock's measures first.
func (tx *change) stopAll() {
	tx.stopAck(false)
	tx.c.Clocks.Each(func(_ string, k *Clock) { stopClock(k, tx.now) })
}

// stopAck stops a running acknowledgement clock, acknowledged now or withdrawn (returned,
// reassigned, voided...), and counts it among the acknowledgements that fell due if it is
// acknowledged or its deadline has passed, unless the scheduler's overdue mark counted it already
// (see MAckDue). It reports whether an acknowledgement now is on time.
func (tx *change) stopAck(acknowledged bool) bool {
	k := tx.c.Clocks.Acknowledge
	if k == nil || k.StoppedAt != nil {
		return false
	}
	stopClock(k, tx.now)
	if (acknowledged || !tx.now.Before(k.Deadline)) && !k.Overdue {
		tx.tally(MAckDue, 1)
	}
	if acknowledged {
		tx.tally(MAcknowledged, 1)
		tx.tally(MAckSeconds, seconds(k.StartedAt, tx.now))
	}
	onTime := acknowledged && k.OnTime()
	if onTime {
		tx.tally(MAckOnTime, 1)
	}
	return onTime
}

// seconds is the natural time from start to end in whole seconds (never negative).
func seconds(start, end time.Time) int64 {
	return max(int64(end.Sub(start)/time.Second), 0)
}

// isNatural reports whether a limit counts wall time.
func isNatural(l Limit) bool { return l.Unit == NaturalHour || l.Unit == NaturalMinute }

// moveDeadline sets a new deadline, keeping the old one in the history, and re-arms the marks.
func moveDeadline(cal *Calendar, k *Clock, deadline time.Time) {
	k.History = append(k.History, k.Deadline)
	k.Deadline = deadline.UTC()
	rearmWarning(cal, k)
	k.Warned, k.Overdue = false, false
}

// rearmWarning puts a running clock's warning at 80% of all the time it counts (its limit and the
// extensions approved, Clock.Extended), in the limit's own measure: the instant before the
// deadline with a fifth of that time left. Suspended time does not count. Since a running clock's
// suspensions all lie before now, the warning is exact whenever it is still ahead; when it is
// already behind, it lies behind now too and is due at once.
func rearmWarning(cal *Calendar, k *Clock) {
	total := cal.Span(k.Limit) + cal.Span(Limit{Value: k.Extended, Unit: k.Limit.Unit})
	left := total - total*4/5
	if isNatural(k.Limit) {
		k.WarnAt = k.Deadline.Add(-left).UTC()
		return
	}
	k.WarnAt = cal.AddWork(k.StartedAt, cal.WorkBetween(k.StartedAt, k.Deadline)-left).UTC()
}

// extensionBound is how far the case's handling clock may be extended: its category's bound, or the
// default for the clock's limit if the category's unit changed since the clock started.
func (s *Service) extensionBound(c *Case) ExtensionBound {
	h := c.Clocks.Handling
	if h == nil {
		return ExtensionBound{}
	}
	if cat, ok := s.Category(c.Category); ok && cat.HandleLimit.Unit == h.Limit.Unit {
		return cat.ExtensionBound()
	}
	return DefaultExtension(h.Limit)
}

// checkExtension holds an extension of l to the case's bound: counted in the handling clock's
// unit, at most PerRequest at once and Total with the extensions approved before.
func (s *Service) checkExtension(c *Case, l Limit) error {
	h := c.Clocks.Handling
	if err := l.check("limit"); err != nil {
		return err
	}
	if l.Unit != h.Limit.Unit {
		return FieldError("limit", "延期须以处置时限的单位 %s 计 (an extension is counted in the handling clock's unit, %s)", h.Limit.Unit, h.Limit.Unit)
	}
	b := s.extensionBound(c)
	if l.Value > b.PerRequest {
		return FieldError("limit", "每次延期最多 %d %s (at most %d %s per request)", b.PerRequest, l.Unit, b.PerRequest, l.Unit)
	}
	if h.Extended+l.Value > b.Total {
		return FieldError("limit", "延期合计最多 %d %s，已批准 %d %s (at most %d %s in all; %d %s already approved)",
			b.Total, l.Unit, h.Extended, l.Unit, b.Total, l.Unit, h.Extended, l.Unit)
	}
	return nil
}

func suspendClocks(c *Case, now time.Time) {
	c.Clocks.Each(func(_ string, k *Clock) {
		if k.Running() {
			t := now
			k.SuspendedAt = &t
		}
	})
}

// resumeClocks moves each suspended clock's marks later by the suspended span.
func resumeClocks(cal *Calendar, c *Case, now time.Time) {
	c.Clocks.Each(func(_ string, k *Clock) {
		if k.SuspendedAt == nil || k.StoppedAt != nil {
			return
		}
		from := *k.SuspendedAt
		k.SuspendedAt = nil
		k.History = append(k.History, k.Deadline)
		k.Deadline = cal.Shift(k.Deadline, k.Limit, from, now).UTC()
		rearmWarning(cal, k)
	})
}

// nextDue is the earliest pending mark of any running clock.
func nextDue(c *Case) *time.Time {
	var next *time.Time
	c.Clocks.Each(func(_ string, k *Clock) {
		if !k.Running() || k.Overdue {
			return
		}
		due := k.Deadline
		if !k.Warned {
			due = k.WarnAt
		}
		if next == nil || due.Before(*next) {
			d := due
			next = &d
		}
	})
	return next
}
