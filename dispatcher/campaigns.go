package dispatcher

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

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

// MaxCampaigns bounds the list: a bureau runs a few campaigns a year.
const MaxCampaigns = 200

// Validate checks one campaign: an id, a name, two days in order and known categories (cats:
// the catalogue's codes; nil skips the check).
func (c Campaign) Validate(cats map[string]bool) error {
	switch {
	case c.ID == "" || len(c.ID) > 64 || strings.ContainsAny(c.ID, " /\t\n"):
		return FieldError("id", "专项整治须有编号（不超过 64 个字符，不含空格和 /）(a campaign needs an id: at most 64 characters, no spaces or /)")
	case strings.TrimSpace(c.Name) == "" || utf8.RuneCountInString(c.Name) > 100:
		return FieldError("name", "专项整治 %s 须有名称（不超过 100 字）(campaign %s needs a name of at most 100 characters)", c.ID, c.ID)
	}
	if err := validateRange(c.From, c.To); err != nil {
		return FieldError("from", "专项整治 %s 的起止日期须为 YYYY-MM-DD 且不倒置 (campaign %s: from and to must be days in order)", c.ID, c.ID)
	}
	for _, code := range c.Categories {
		if cats != nil && !cats[code] {
			return FieldError("categories", "专项整治 %s：未知的事件类别 %q (campaign %s: unknown category %q)", c.ID, code, c.ID, code)
		}
	}
	return nil
}

// validateCampaigns checks every campaign and that no two share an id.
func (r *Reference) validateCampaigns() error {
	if len(r.Campaigns) > MaxCampaigns {
		return fmt.Errorf("campaigns: %d, at most %d", len(r.Campaigns), MaxCampaigns)
	}
	cats := map[string]bool{}
	for _, c := range r.Catalogue.Categories() {
		cats[c.Code] = true
	}
	ids := map[string]bool{}
	for _, c := range r.Campaigns {
		if err := c.Validate(cats); err != nil {
			return fmt.Errorf("campaign %q: %w", c.ID, err)
		}
		if ids[c.ID] {
			return fmt.Errorf("campaign %q: the id is given twice", c.ID)
		}
		ids[c.ID] = true
	}
	return nil
}

// AdminCampaigns lists the campaigns as stored.
func (s *Service) AdminCampaigns(ctx context.Context, actor Actor) ([]Campaign, error) {
	ref, err := s.storedReference(ctx, actor)
	if err != nil {
		return nil, err
	}
	return nonNilCampaigns(ref.Campaigns), nil
}

// AdminPutCampaigns replaces the whole list (the admin edits a short table and saves it), each
// campaign checked, sorted by first day, logged with the list before.
func (s *Service) AdminPutCampaigns(ctx context.Context, actor Actor, list []Campaign) ([]Campaign, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	list = nonNilCampaigns(slices.Clone(list))
	for i := range list {
		c := &list[i]
		c.Name = strings.TrimSpace(c.Name)
		c.Categories = slices.Compact(slices.Sorted(slices.Values(c.Categories)))
		if c.Categories == nil {
			c.Categories = []string{}
		}
		if err := c.Validate(s.categoryCodes()); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(list[:i], func(d Campaign) bool { return d.ID == c.ID }) {
			return nil, FieldError("id", "专项整治编号 %s 重复 (campaign id %s is given twice)", c.ID, c.ID)
		}
	}
	if len(list) > MaxCampaigns {
		return nil, FieldError("campaigns", "专项整治最多 %d 项 (at most %d campaigns)", MaxCampaigns, MaxCampaigns)
	}
	slices.SortStableFunc(list, func(a, b Campaign) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.ID, b.ID)) })
	err := s.changeReference(ctx, actor, AdminCampaignsPut, "campaigns", func(ref *Reference) (any, any, error) {
		before := nonNilCampaigns(ref.Campaigns)
		ref.Campaigns = list
		return before, list, nil
	})
	return list, err
}

func (s *Service) categoryCodes() map[string]bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]bool, len(s.cats))
	for code := range s.cats {
		out[code] = true
	}
	return out
}

func nonNilCampaigns(cs []Campaign) []Campaign {
	if cs == nil {
		return []Campaign{}
	}
	return cs
}
