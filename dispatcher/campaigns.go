package dispatcher

import "slices"

// Campaign is a period of special enforcement (专项整治) that the trend charts mark: a name, its
// first and last days (YYYY-MM-DD, inclusive) and the categories it targets (none: all).
type Campaign struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	Categories []string `json:"categories"`
}

// campaignsIn are the campaigns that overlap from..to, in the reference's order.
func (s *Service) campaignsIn(from, to string) []Campaign {
	out := []Campaign{}
	for _, c := range s.Reference().Campaigns {
		if c.From <= to && c.To >= from {
			c.Categories = slices.Clone(c.Categories)
			if c.Categories == nil {
				c.Categories = []string{}
			}
			out = append(out, c)
		}
	}
	return out
}
