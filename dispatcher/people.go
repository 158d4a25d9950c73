package dispatcher

import (
	"context"
	"sort"
)

// StaffMember is a member of staff as the consoles name them: a login and a name, nothing else.
type StaffMember struct {
	Login string `json:"login"`
	Name  string `json:"name"`
}

// Inspectors lists the active inspectors, for the command centre, which sends them to verify and
// to check cases (its consoles pick them by name); nobody else is told who they are.
func (s *Service) Inspectors(ctx context.Context, actor Actor) ([]StaffMember, error) {
	if !actor.InCentre() {
		return nil, nil
	}
	accounts, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := []StaffMember{}
	for _, a := range accounts {
		if a.Role == Inspector && !a.Disabled {
			out = append(out, StaffMember{Login: a.Login, Name: a.Name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Login < out[j].Login })
	return out, nil
}
