package web

import (
	"net/http"
	"slices"
	"strings"

	"cityhub/dispatcher"
)

// caseFilterParams are the parameters of GET /api/v1/cases.
var caseFilterParams = []string{"state", "open", "unit", "owner", "category", "channel", "jurisdiction",
	"overdue", "created_from", "created_to", "updated_after", "order", "limit", "offset", "phone", "review"}

// caseFilter reads the list query. A parameter it does not know, one given twice, or a value
// that names nothing (a state, channel, order, category, unit or jurisdiction that does not
// exist) is refused: a typo must not silently list every case.
func (s *Server) caseFilter(r *http.Request) (dispatcher.CaseFilter, error) {
	q := r.URL.Query()
	var f dispatcher.CaseFilter
	for name, vs := range q {
		if !slices.Contains(caseFilterParams, name) {
			return f, dispatcher.FieldError(name, "未知的查询参数 %q (unknown parameter %q; known: %s)", name, name, strings.Join(caseFilterParams, ", "))
		}
		if len(vs) > 1 {
			return f, dispatcher.FieldError(name, "%s 重复出现 (%s is given %d times; give it once, a list as a,b)", name, name, len(vs))
		}
	}
	var err error
	if f.States, err = statesParam(q.Get("state")); err != nil {
		return f, err
	}
	if f.Newest, err = orderParam(q.Get("order")); err != nil {
		return f, err
	}
	f.Unit, f.Owner, f.Category = q.Get("unit"), q.Get("owner"), q.Get("category")
	f.Channel, f.Jurisdiction = q.Get("channel"), q.Get("jurisdiction")
	if f.Phone = strings.TrimSpace(q.Get("phone")); q.Has("phone") && f.Phone == "" {
		return f, dispatcher.FieldError("phone", "phone 不能为空 (phone is empty: give the caller's number)")
	}
	if f.Review, err = reviewParam(q.Get("review")); err != nil {
		return f, err
	}
	if err := s.knownCodes(f); err != nil {
		return f, err
	}
	if f.Open, err = boolParam(q.Get("open"), "open"); err != nil {
		return f, err
	}
	if f.Overdue, err = boolParam(q.Get("overdue"), "overdue"); err != nil {
		return f, err
	}
	if f.CreatedFrom, err = timeParam(q.Get("created_from"), "created_from"); err != nil {
		return f, err
	}
	if f.CreatedTo, err = timeParam(q.Get("created_to"), "created_to"); err != nil {
		return f, err
	}
	if f.UpdatedAfter, err = timeParam(q.Get("updated_after"), "updated_after"); err != nil {
		return f, err
	}
	if f.Limit, err = intParam(q.Get("limit"), "limit", 0, 1000); err != nil {
		return f, err
	}
	f.Offset, err = intParam(q.Get("offset"), "offset", 0, 1<<30)
	return f, err
}

func statesParam(v string) ([]dispatcher.State, error) {
	var out []dispatcher.State
	for _, st := range splitList(v) {
		if !slices.Contains(dispatcher.AllStates, dispatcher.State(st)) {
			names := make([]string, len(dispatcher.AllStates))
			for i, s := range dispatcher.AllStates {
				names[i] = string(s)
			}
			return nil, dispatcher.FieldError("state", "未知的状态 %q (unknown state %q; known: %s)", st, st, strings.Join(names, ", "))
		}
		out = append(out, dispatcher.State(st))
	}
	return out, nil
}

// orderParam reports whether the newest cases come first (the default).
func orderParam(v string) (bool, error) {
	switch v {
	case "", "newest":
		return true, nil
	case "oldest":
		return false, nil
	}
	return false, dispatcher.FieldError("order", "order 须为 newest 或 oldest (order must be newest or oldest)")
}

var channels = dispatcher.Channels

// knownCodes refuses a unit, owner, category, channel or jurisdiction the reference data does not
// have.
func (s *Server) knownCodes(f dispatcher.CaseFilter) error {
	for _, c := range []struct {
		name, code string
		known      func(string) bool
	}{
		{"unit", f.Unit, s.knownUnit}, {"owner", f.Owner, s.knownUnit},
		{"category", f.Category, func(c string) bool { _, ok := s.svc.Category(c); return ok }},
		{"channel", f.Channel, func(c string) bool { return slices.Contains(channels, c) }},
		{"jurisdiction", f.Jurisdiction, func(c string) bool { _, ok := s.svc.Jurisdiction(c); return ok }},
	} {
		if c.code != "" && !c.known(c.code) {
			return dispatcher.FieldError(c.name, "未知的%s代码 %q (unknown %s code %q; see GET /api/v1/reference)", c.name, c.code, c.name, c.code)
		}
	}
	return nil
}

func (s *Server) knownUnit(code string) bool {
	_, ok := s.svc.Unit(code)
	return ok
}

// reviewParam reads review=pending|upheld|reopened: the shift leader's queue of 不满意 answers.
func reviewParam(v string) (string, error) {
	switch v {
	case "", dispatcher.ReviewPending, dispatcher.ReviewUpheld, dispatcher.ReviewReopened:
		return v, nil
	}
	return "", dispatcher.FieldError("review", "未知的复核状态 %q (review must be pending, upheld or reopened)", v)
}
