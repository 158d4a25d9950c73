package dispatcher

import "context"

// ActResult is the case after an action and the events the action wrote.
type ActResult struct {
	Case   *Case
	Events []*Event
}

// Act takes one action on a case for an actor. Role, unit scope and state are checked against the
// lifecycle table here, not only in handlers; a refused action changes nothing. A race with another
// writer is retried on the fresh case unless the request pinned a version.
func (s *Service) Act(ctx context.Context, actor Actor, caseID int64, req ActionRequest) (ActResult, error) {
	if err := req.validateFields(); err != nil {
		return ActResult{}, err
	}
	if err := s.checkAttach(ctx, actor, "media", req.Media); err != nil {
		return ActResult{}, err
	}
	for attempt := 0; ; attempt++ {
		res, err := s.actOnce(ctx, actor, caseID, req)
		if ErrorCode(err) == EConflict && req.Version == 0 && attempt < s.maxRetry && isRace(err) {
			continue
		}
		return res, err
	}
}

// errRace marks the store's lost optimistic-concurrency race, as opposed to a refused action.
type raceError struct{ error }

func isRace(err error) bool {
	_, ok := err.(raceError)
	return ok
}

func (s *Service) actOnce(ctx context.Context, actor Actor, caseID int64, req ActionRequest) (ActResult, error) {
	c, err := s.caseFor(ctx, actor, caseID)
	if err != nil {
		return ActResult{}, err
	}
	if req.Version != 0 && req.Version != c.Version {
		return ActResult{}, Errorf(EConflict, "案件已被他人更新，请刷新后重试 (the case changed since version %d; reload it)", req.Version)
	}
	prev := c.Version
	tx := newChange(ctx, s, c, actor, s.Now())
	if err := tx.apply(req); err != nil {
		return ActResult{}, err
	}
	tx.finish()
	if err := s.store.UpdateCase(ctx, c, prev, tx.events, tx.tallies); err != nil {
		if ErrorCode(err) == EConflict {
			return ActResult{}, raceError{err}
		}
		return ActResult{}, err
	}
	s.publish(ctx, tx.events)
	return ActResult{Case: c, Events: tx.events}, nil
}

// caseFor loads a case the actor may see. A case the actor may not see is reported exactly as a
// case that does not exist (errNoCase), so that a unit cannot probe another unit's case numbers.
func (s *Service) caseFor(ctx context.Context, actor Actor, id int64) (*Case, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, noCase(err)
	}
	if !CanSeeCase(actor, c) {
		return nil, errNoCase()
	}
	return c, nil
}

// errNoCase is the one answer for a case that is missing or that the actor may not see: the same
// code and message whatever the id or number asked for.
func errNoCase() error { return Errorf(ENotFound, "案件不存在 (no such case)") }

// noCase turns a store's not-found error, which names what was asked for, into errNoCase.
func noCase(err error) error {
	if ErrorCode(err) == ENotFound {
		return errNoCase()
	}
	return err
}

// Case returns a case the actor may see, with the reporter's contact masked unless the actor may see
// it in full (CanSeeContact).
func (s *Service) Case(ctx context.Context, actor Actor, id int64) (*Case, error) {
	c, err := s.caseFor(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return forViewer(actor, c), nil
}

// CaseByNumber is Case by the number people see.
func (s *Service) CaseByNumber(ctx context.Context, actor Actor, number string) (*Case, error) {
	c, err := s.store.CaseByNumber(ctx, number)
	if err != nil {
		return nil, noCase(err)
	}
	return s.Case(ctx, actor, c.ID)
}

// CaseByExternalID is Case by the channel's own id of the message it came from.
func (s *Service) CaseByExternalID(ctx context.Context, actor Actor, channel, externalID string) (*Case, error) {
	c, err := s.store.CaseByExternalID(ctx, channel, externalID)
	if err != nil {
		return nil, noCase(err)
	}
	if !CanSeeCase(actor, c) {
		return nil, errNoCase()
	}
	return forViewer(actor, c), nil
}

// CaseEvents returns a case's events for an actor who may see the case.
func (s *Service) CaseEvents(ctx context.Context, actor Actor, id int64) ([]*Event, error) {
	if _, err := s.caseFor(ctx, actor, id); err != nil {
		return nil, err
	}
	evs, err := s.store.CaseEvents(ctx, id)
	return evs, noCase(err)
}

// Cases lists the cases the actor may see: a unit's members only their unit's, past or present.
// A caller's history (f.Phone) is only for the roles that see reporters' numbers.
func (s *Service) Cases(ctx context.Context, actor Actor, f CaseFilter) (CasePage, error) {
	if f.Phone != "" {
		if err := checkPhoneQuery(actor, f.Phone); err != nil {
			return CasePage{}, err
		}
	}
	scope(actor, &f)
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	page, err := s.store.ListCases(ctx, f)
	if err != nil {
		return CasePage{}, err
	}
	for i, c := range page.Cases {
		page.Cases[i] = forViewer(actor, c)
	}
	return page, nil
}

// RevealContact returns the reporter's contact after recording who looked and why.
func (s *Service) RevealContact(ctx context.Context, actor Actor, id int64, reason string) (Contact, error) {
	res, err := s.Act(ctx, actor, id, ActionRequest{Action: ActRevealContact, Reason: reason})
	if err != nil {
		return Contact{}, err
	}
	return res.Case.Reporter, nil
}

// View is the case as the actor may see it (the reporter's contact masked unless CanSeeContact).
func View(actor Actor, c *Case) *Case { return forViewer(actor, c) }

func forViewer(actor Actor, c *Case) *Case {
	if CanSeeContact(actor) || actor.Role == System {
		return c
	}
	cp := *c
	cp.Reporter = c.Reporter.Masked()
	cp.Reports = maskReports(c.Reports)
	return &cp
}
