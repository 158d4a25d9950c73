package open311

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// Search limits of GET /requests.
const (
	// Window is the longest span of start_date..end_date, and the default span.
	Window = 90 * 24 * time.Hour
	// MaxPageSize is the largest page, and the default: the specification's 1000 requests.
	MaxPageSize = 1000
	// maxPage keeps offsets within reason.
	maxPage = 1_000_000
	// maxServiceCodes bounds a service_code list (the catalogue has fewer items).
	maxServiceCodes = 500
)

// RequestsQuery is a GET Service Requests query, checked.
type RequestsQuery struct {
	JurisdictionID string
	// IDs are the service_request_id values; when given, every other filter is ignored.
	IDs []string
	// ServiceCodes are the service_code values (a comma-separated list): any of them matches.
	ServiceCodes []string
	// From and To bound requested_datetime as shown, in whole seconds, both inclusive; a zero To
	// has no upper bound.
	From, To time.Time
	// Open is nil for both statuses, true for open, false for closed.
	Open     *bool
	Page     int // from 1
	PageSize int
	// UpdatedAfter and UpdatedBefore (the extension's updated_after, updated_before) bound the
	// request's last change, both exclusive; zero is no bound. With either and no start_date or
	// end_date, requested_datetime is not bounded: a client following changes wants old requests
	// that changed too.
	UpdatedAfter, UpdatedBefore time.Time
	// Extensions (extensions=true) adds each request's extended_attributes: its public history.
	Extensions bool
}

// Filter is the case filter of the query. The caller adds the category check and any channel
// restriction.
func (q RequestsQuery) Filter() dispatcher.CaseFilter {
	if len(q.IDs) > 0 {
		return dispatcher.CaseFilter{Numbers: q.IDs, Newest: true, Limit: len(q.IDs)}
	}
	f := dispatcher.CaseFilter{Categories: q.ServiceCodes, Open: q.Open, Newest: true,
		Offset: (q.Page - 1) * q.PageSize, Limit: q.PageSize}
	f.CreatedFrom, f.CreatedTo = shownWindow(q.From, q.To)
	f.UpdatedAfter, f.UpdatedBefore = q.UpdatedAfter, q.UpdatedBefore
	return f
}

// shownWindow turns an inclusive window on datetimes as the endpoint shows them (whole seconds)
// into the store's bounds on the exact times: from inclusive, to exclusive. A request made at
// 10:00:00.4 is shown as 10:00:00, so it belongs to every window that contains 10:00:00: one that
// ends at 10:00:00 as much as the next one, which starts there. A client that walks back-to-back
// windows sees each request (at least once). Zero stays zero (no bound).
func shownWindow(from, to time.Time) (time.Time, time.Time) {
	if !from.IsZero() {
		if s := from.Truncate(time.Second); !s.Equal(from) {
			from = s.Add(time.Second) // 10:00:00.5 is after every time shown as 10:00:00
		}
	}
	if !to.IsZero() {
		to = to.Truncate(time.Second).Add(time.Second)
	}
	return from, to
}

// ParseRequestsQuery reads and checks the query of GET Service Requests; now anchors the default
// window. It does no I/O. Unknown parameters are ignored; a known one given twice is refused.
func ParseRequestsQuery(values url.Values, now time.Time) (RequestsQuery, error) {
	f := form{values: values}
	q := RequestsQuery{Page: 1, PageSize: MaxPageSize}
	var err error
	if q.JurisdictionID, err = f.line("jurisdiction_id", maxCodeLen); err != nil {
		return RequestsQuery{}, err
	}
	if q.Extensions, err = f.boolean("extensions"); err != nil {
		return RequestsQuery{}, err
	}

	ids, err := f.line("service_request_id", MaxPageSize*(maxCodeLen+1))
	if err != nil {
		return RequestsQuery{}, err
	}
	if ids != "" {
		seen := map[string]bool{}
		for _, id := range strings.Split(ids, ",") {
			id = strings.TrimSpace(id)
			if id == "" || len(id) > maxCodeLen || !codeRe.MatchString(id) {
				return RequestsQuery{}, dispatcher.FieldError("service_request_id",
					"请求编号 %q 格式不正确 (service_request_id must be a comma-separated list of ids; %q is not an id)", id, id)
			}
			if !seen[id] {
				seen[id] = true
				q.IDs = append(q.IDs, id)
			}
		}
		if len(q.IDs) > MaxPageSize {
			return RequestsQuery{}, dispatcher.FieldError("service_request_id",
				"一次最多查询 %d 个编号 (at most %d service_request_id values at a time)", MaxPageSize, MaxPageSize)
		}
		return q, nil // the specification: service_request_id overrides all other arguments
	}

	if q.ServiceCodes, err = serviceCodes(f); err != nil {
		return RequestsQuery{}, err
	}

	if q.From, q.To, err = f.dateWindow(now, Window, Window); err != nil {
		return RequestsQuery{}, err
	}
	if values.Get("start_date") == "" && values.Get("end_date") == "" {
		q.To = time.Time{} // the last 90 days, and whatever comes after now
	}
	if q.UpdatedAfter, q.UpdatedBefore, err = updatedWindow(f); err != nil {
		return RequestsQuery{}, err
	}
	if (!q.UpdatedAfter.IsZero() || !q.UpdatedBefore.IsZero()) && values.Get("start_date") == "" && values.Get("end_date") == "" {
		q.From = time.Time{}
	}

	status, err := f.line("status", 64)
	if err != nil {
		return RequestsQuery{}, err
	}
	if status != "" {
		var open, closed bool
		for _, s := range strings.Split(status, ",") {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "open":
				open = true
			case "closed":
				closed = true
			default:
				return RequestsQuery{}, dispatcher.FieldError("status",
					"未知的状态 %q (status must be open, closed or both, comma-separated)", strings.TrimSpace(s))
			}
		}
		if open != closed {
			q.Open = &open
		}
	}

	if q.Page, err = f.integer("page", 1, 1, maxPage); err != nil {
		return RequestsQuery{}, err
	}
	if q.PageSize, err = f.integer("page_size", MaxPageSize, 1, MaxPageSize); err != nil {
		return RequestsQuery{}, err
	}
	return q, nil
}

// updatedWindow reads updated_after and updated_before (RFC 3339 with an offset, like start_date).
func updatedWindow(f form) (after, before time.Time, err error) {
	if after, err = f.datetime("updated_after"); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if before, err = f.datetime("updated_before"); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !after.IsZero() && !before.IsZero() && !before.After(after) {
		return time.Time{}, time.Time{}, dispatcher.FieldError("updated_before",
			"updated_before 须晚于 updated_after (updated_before must be after updated_after)")
	}
	return after, before, nil
}

// serviceCodes reads service_code: one code or a comma-separated list of them.
func serviceCodes(f form) ([]string, error) {
	list, err := f.line("service_code", maxServiceCodes*(maxCodeLen+1))
	if err != nil || list == "" {
		return nil, err
	}
	var codes []string
	for _, code := range strings.Split(list, ",") {
		code = strings.TrimSpace(code)
		if code == "" || len(code) > maxCodeLen || !codeRe.MatchString(code) {
			return nil, dispatcher.FieldError("service_code",
				"未知的事件类别 %q (service_code must be a code of GET services, or a comma-separated list of them)", code)
		}
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	if len(codes) > maxServiceCodes {
		return nil, dispatcher.FieldError("service_code",
			"一次最多按 %d 个事件类别查询 (at most %d service_code values at a time)", maxServiceCodes, maxServiceCodes)
	}
	return codes, nil
}

// datetime reads an RFC 3339 datetime with its offset; seconds may be left out (W3C "hh:mmTZD").
// A "+" of the offset that arrived as a space (an unescaped + in a query string) is read as "+".
func (f form) datetime(name string) (time.Time, error) {
	v, err := f.line(name, 64)
	if err != nil || v == "" {
		return time.Time{}, err
	}
	v = strings.ReplaceAll(v, " ", "+")
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, dispatcher.FieldError(name,
		"%s 不是带时区的日期时间 (%s must be an RFC 3339 datetime with an offset, e.g. 2026-11-27T08:00:00+08:00)", name, name)
}

// dateWindow reads start_date and end_date into a window of at most max: with neither, def up to
// now; with one, def from or up to it. A window that ends before it starts, or spans more than
// max, is refused, naming end_date.
func (f form) dateWindow(now time.Time, def, max time.Duration) (from, to time.Time, err error) {
	start, err := f.datetime("start_date")
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	end, err := f.datetime("end_date")
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	switch {
	case start.IsZero() && end.IsZero():
		return now.Add(-def), now, nil
	case end.IsZero():
		return start, start.Add(def), nil
	case start.IsZero():
		return end.Add(-def), end, nil
	case end.Before(start):
		return time.Time{}, time.Time{}, dispatcher.FieldError("end_date", "结束时间早于开始时间 (end_date is before start_date)")
	case end.Sub(start) > max:
		days := int(max / (24 * time.Hour))
		return time.Time{}, time.Time{}, dispatcher.FieldError("end_date",
			"查询时间跨度不能超过 %d 天 (start_date to end_date may not span more than %d days)", days, days)
	}
	return start, end, nil
}

// integer reads a whole number in [min, max], def when absent.
func (f form) integer(name string, def, min, max int) (int, error) {
	v, err := f.line(name, 16)
	if err != nil || v == "" {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max || strings.HasPrefix(v, "+") {
		return 0, dispatcher.FieldError(name, "%s 必须是 %d 到 %d 之间的整数 (%s must be a whole number from %d to %d)",
			name, min, max, name, min, max)
	}
	return n, nil
}
