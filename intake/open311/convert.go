package open311

import (
	"fmt"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// request is the public view of a case. The reporter's contact is never part of it.
func (h *handler) request(c *dispatcher.Case, base string) Request {
	loc := h.svc.Calendar().Location()
	stamp := func(t time.Time) string { return t.In(loc).Format(time.RFC3339) }
	r := Request{
		ServiceRequestID:  c.Number,
		Status:            "open",
		StatusNotes:       ptr(StatusNotes(c.State)),
		ServiceCode:       c.Category,
		Description:       ptr(c.Text),
		AgencyResponsible: ptr(h.unitName(h.agencyCode(c))),
		ServiceNotice:     ptr(h.notice(c)),
		RequestedDatetime: stamp(c.CreatedAt),
		Address:           ptr(c.Location.Address),
	}
	if cat, ok := h.svc.Category(c.Category); ok {
		r.ServiceName = ptr(cat.Name)
	}
	updated := c.UpdatedAt
	if !c.State.IsOpen() {
		r.Status = "closed"
		if c.ClosedAt != nil {
			updated = *c.ClosedAt // the specification: for a closed request, when it was closed
		}
	}
	r.UpdatedDatetime = ptr(stamp(updated))
	if k := c.Clocks.Handling; k != nil {
		r.ExpectedDatetime = ptr(stamp(k.Deadline))
	}
	if r.Address == nil {
		r.Address = ptr(c.Routing.JurisdictionName)
	}
	lat, lng := c.Location.Point.Lat, c.Location.Point.Lng
	r.Lat, r.Long = &lat, &lng
	if photos := dispatcher.PublicPhotos(c); len(photos) > 0 {
		r.MediaURL = ptr(base + mediaPath + photos[0] + ".jpg")
	} else if u := firstLink(c.Media); u != "" {
		r.MediaURL = ptr(u)
	}
	r.NonPublic = !c.IsPublic()
	return r
}

// StatusNotes is the detailed state in Chinese and English, e.g. "已派遣 (dispatched)".
func StatusNotes(s dispatcher.State) string {
	return fmt.Sprintf("%s (%s)", dispatcher.StateLabel(s), strings.ReplaceAll(string(s), "_", " "))
}

// agencyCode is the unit answering for the case: the one it was last dispatched or transferred to,
// or the routed one before that.
func (h *handler) agencyCode(c *dispatcher.Case) string {
	if c.Unit != "" {
		return c.Unit
	}
	return c.Routing.Unit
}

// unitName is a unit's full name, or its code when the reference data no longer knows it.
func (h *handler) unitName(code string) string {
	if u, ok := h.svc.Unit(code); ok && u.Name != "" {
		return u.Name
	}
	return code
}

var limitUnits = map[string][2]string{
	dispatcher.WorkHour:      {"个工作小时", "working hours"},
	dispatcher.WorkDay:       {"个工作日", "working days"},
	dispatcher.NaturalHour:   {"小时", "hours"},
	dispatcher.NaturalMinute: {"分钟", "minutes"},
}

// notice is the service notice of a case: who takes it and the time the category allows.
func (h *handler) notice(c *dispatcher.Case) string {
	if c.Routing.Outcome == dispatcher.RouteToTransfer {
		agency := h.unitName(h.agencyCode(c))
		return fmt.Sprintf("该位置由%s管辖，本件移交%s办理 (the place is administered by %s; the report is transferred to %s)",
			c.Routing.Authority, agency, c.Routing.Authority, agency)
	}
	cat, ok := h.svc.Category(c.Category)
	if !ok {
		return ""
	}
	l := cat.HandleLimit
	u, ok := limitUnits[l.Unit]
	if !ok {
		return ""
	}
	return fmt.Sprintf("本类问题派遣后%d%s内处置 (to be handled within %d %s of dispatch)", l.Value, u[0], l.Value, u[1])
}

// firstLink is the first of a case's media that is a link: the others are hashes of files
// uploaded to the hub (the reporter's are served by mediaPath on a public case).
func firstLink(media []string) string {
	for _, m := range media {
		if !dispatcher.IsMediaHash(m) {
			return m
		}
	}
	return ""
}
