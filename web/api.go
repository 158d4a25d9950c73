package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// complaintRequest is a report logged through the JSON API (the hotline console, an inspector).
type complaintRequest struct {
	Channel    string             `json:"channel"`
	Nature     string             `json:"nature"`
	Category   string             `json:"category"`
	Text       string             `json:"text"`
	Address    string             `json:"address"`
	Lat        *float64           `json:"lat"`
	Lng        *float64           `json:"lng"`
	Datum      string             `json:"datum"`
	Reporter   dispatcher.Contact `json:"reporter"`
	ExternalID string             `json:"external_id"`
	Media      []string           `json:"media"`
	NonPublic  bool               `json:"non_public"` // the reporter asked not to be published
	// JoinCase: the caller says the report is about this open case (a candidate of
	// GET /api/v1/cases/nearby): it joins that case as one more reporter instead of making a case.
	JoinCase string `json:"join_case"`
	// Call is the hotline call the report is taken on (the console fills it in from the ring).
	Call *dispatcher.CallRef `json:"call"`
}

// complaint is the report the request describes. The channel defaults to the filer's own: an
// inspector's report is a patrol report (监督员上报), anyone else's a hotline call.
func (req complaintRequest) complaint(filer dispatcher.Role) (dispatcher.Complaint, error) {
	if req.Lat == nil || req.Lng == nil {
		return dispatcher.Complaint{}, dispatcher.FieldError("lat", "请提供位置坐标 lat 和 lng (lat and lng are required)")
	}
	datum := dispatcher.Datum(req.Datum)
	if datum == "" {
		datum = dispatcher.WGS84
	}
	orig := dispatcher.Point{Lat: *req.Lat, Lng: *req.Lng}
	p, err := dispatcher.ToWGS84(orig, datum)
	if err != nil {
		return dispatcher.Complaint{}, err
	}
	channel := req.Channel
	switch {
	case channel != "":
	case filer == dispatcher.Inspector:
		channel = dispatcher.ChannelInspector
	default:
		channel = dispatcher.ChannelHotline
	}
	return dispatcher.Complaint{Channel: channel, Nature: req.Nature, Category: req.Category, Text: req.Text,
		Location: dispatcher.Location{Point: p, Original: orig, Datum: datum, Address: req.Address},
		Reporter: req.Reporter, ExternalID: req.ExternalID, Media: req.Media, NonPublic: req.NonPublic,
		JoinCase: strings.TrimSpace(req.JoinCase), Call: req.Call}, nil
}

func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	var req complaintRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	cmp, err := req.complaint(a.Role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.svc.Submit(r.Context(), a.Actor(), cmp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if res.Duplicate || res.Joined { // no case was made: an earlier one answers
		status = http.StatusOK
	}
	// A duplicate is somebody else's earlier report: masked like every case served.
	writeJSON(w, status, map[string]any{"case": dispatcher.View(a.Actor(), res.Case), "duplicate": res.Duplicate,
		"joined": res.Joined})
}

func (s *Server) handleListCases(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	f, err := s.caseFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.svc.Cases(r.Context(), a.Actor(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) handleGetCase(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	c, events, err := s.caseWithEvents(r, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"case": c, "events": viewEvents(events),
		"actions": s.svc.AvailableActions(c, a.Actor())})
}

func (s *Server) handleCaseEvents(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	_, events, err := s.caseWithEvents(r, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewEvents(events))
}

// handleCaseNotices lists what the reporter was (or is still to be) told, without the words.
func (s *Server) handleCaseNotices(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	c, err := s.lookupCase(r, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	notices, err := s.svc.CaseNotices(r.Context(), a.Actor(), c.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": notices})
}

// handleCaseReporters lists everyone who reported the case's problem (joined and merged reports
// included), their contacts masked unless the actor may see contacts.
func (s *Server) handleCaseReporters(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	c, err := s.lookupCase(r, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, err := s.svc.Reporters(r.Context(), a.Actor(), c.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reporters": rs})
}

// caseWithEvents reads the case named in the path and its events, as the actor may see them.
func (s *Server) caseWithEvents(r *http.Request, a *dispatcher.Account) (*dispatcher.Case, []*dispatcher.Event, error) {
	c, err := s.lookupCase(r, a)
	if err != nil {
		return nil, nil, err
	}
	events, err := s.svc.CaseEvents(r.Context(), a.Actor(), c.ID)
	return c, events, err
}

func (s *Server) handleAction(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	var req dispatcher.ActionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.lookupCase(r, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.svc.Act(r.Context(), a.Actor(), c.ID, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	view := dispatcher.View(a.Actor(), res.Case) // the case as written: no second read
	writeJSON(w, http.StatusOK, map[string]any{"case": view, "events": viewEvents(res.Events),
		"actions": s.svc.AvailableActions(view, a.Actor())})
}

func (s *Server) handleRevealContact(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.lookupCase(r, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	contact, err := s.svc.RevealContact(r.Context(), a.Actor(), c.ID, req.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, contact)
}

func (s *Server) handleReference(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	ref := s.svc.Reference()
	inspectors, err := s.svc.Inspectors(r.Context(), a.Actor())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"district": ref.District, "authority": ref.Authority,
		"units": ref.Units, "categories": ref.Catalogue.Categories(), "natures": ref.Catalogue.Natures,
		"labels": dispatcher.Labels()}
	if inspectors != nil { // the command centre's, which assigns them
		out["inspectors"] = inspectors
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleStream(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	since, err := intParam(r.URL.Query().Get("since"), "since", 0, 1<<62)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tok := requestToken(r)
	s.hub.ServeChecked(w, r, a.Actor(), int64(since), func(ctx context.Context) error { return s.svc.CheckToken(ctx, tok) })
}

// lookupCase finds the case named in the path, by number or by numeric id.
func (s *Server) lookupCase(r *http.Request, a *dispatcher.Account) (*dispatcher.Case, error) {
	key := r.PathValue("number")
	if id, err := strconv.ParseInt(key, 10, 64); err == nil && id > 0 && len(key) < 12 {
		return s.svc.Case(r.Context(), a.Actor(), id)
	}
	return s.svc.CaseByNumber(r.Context(), a.Actor(), key)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func boolParam(v, name string) (*bool, error) {
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, dispatcher.FieldError(name, "%s 须为 true 或 false (%s must be true or false)", name, name)
	}
	return &b, nil
}

func intParam(v, name string, lo, hi int) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, dispatcher.FieldError(name, "%s 须为 %d 到 %d 之间的整数 (%s must be an integer from %d to %d)", name, lo, hi, name, lo, hi)
	}
	return n, nil
}

// timeParam accepts RFC 3339 or a plain YYYY-MM-DD (midnight, Asia/Shanghai).
func timeParam(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, shanghai); err == nil {
		return t, nil
	}
	return time.Time{}, dispatcher.FieldError(name, "%s 须为 RFC 3339 时间或 YYYY-MM-DD 日期 (%s must be RFC 3339 or YYYY-MM-DD)", name, name)
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()
