package dispatcher

import "context"

// TryAct runs everything Act checks and does for an action on a fresh copy of the stored case, and
// writes nothing: whether Act would accept the request now. Tests use it to probe every action of
// every role on one situation.
func (s *Service) TryAct(ctx context.Context, actor Actor, caseID int64, req ActionRequest) error {
	c, err := s.caseFor(ctx, actor, caseID)
	if err != nil {
		return err
	}
	return newChange(ctx, s, c, actor, s.Now()).apply(req)
}
