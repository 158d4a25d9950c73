package open311

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"cityhub/dispatcher"
)

// GET servicerequestupdates is mySociety's extension of GeoReport v2 (FixMyStreet's update fetcher,
// perllib/Open311/GetServiceRequestUpdates.pm, reads it; open311-adapter serves it): the status
// changes of requests in a window of time, one request_update each, with its own update_id,
// status (the extension's lower-case values), updated_datetime, description and media_url.

// Windows of GET servicerequestupdates.
const (
	// UpdatesWindow is the window without start_date and end_date (the last day up to now), and
	// the span from or up to the one that is given.
	UpdatesWindow = 24 * time.Hour
	// MaxUpdatesSpan is the longest start_date..end_date.
	MaxUpdatesSpan = 7 * 24 * time.Hour
)

// Update is one request_update of the feed.
type Update struct {
	XMLName          xml.Name `xml:"request_update" json:"-"`
	UpdateID         string   `xml:"update_id" json:"update_id"`
	ServiceRequestID string   `xml:"service_request_id" json:"service_request_id"`
	Status           string   `xml:"status" json:"status"`
	UpdatedDatetime  string   `xml:"updated_datetime" json:"updated_datetime"`
	Description      string   `xml:"description" json:"description"`
	// MediaURL is always empty: the reporter's photo belongs to the request (GET requests shows
	// it), and officers' evidence is not published, so no update repeats or adds a picture.
	MediaURL string `xml:"media_url" json:"media_url"`
}

type updatesXML struct {
	XMLName xml.Name `xml:"service_request_updates"`
	Updates []Update `xml:"request_update"`
}

// UpdatesQuery is a GET servicerequestupdates query, checked: the window on updated_datetime as
// shown (whole seconds), both ends inclusive.
type UpdatesQuery struct {
	From, To time.Time
}

// ParseUpdatesQuery reads start_date and end_date; now anchors the default window.
func ParseUpdatesQuery(values url.Values, now time.Time) (UpdatesQuery, error) {
	from, to, err := form{values: values}.dateWindow(now, UpdatesWindow, MaxUpdatesSpan)
	if err != nil {
		return UpdatesQuery{}, err
	}
	return UpdatesQuery{From: from, To: to}, nil
}

func (h *handler) getUpdates(ctx context.Context, w http.ResponseWriter, format string, values url.Values) {
	q, err := ParseUpdatesQuery(values, h.svc.Now())
	if err == nil {
		err = h.checkJurisdiction(values)
	}
	var keyID string
	if err == nil {
		keyID, err = h.readerKey(ctx, values)
	}
	if err != nil {
		h.fail(w, format, err)
		return
	}
	from, to := shownWindow(q.From, q.To)
	events, err := h.svc.Events(ctx, reader, dispatcher.EventFilter{Types: statusEventTypes, From: from, To: to,
		Published: true, APIKey: keyID, Limit: dispatcher.MaxEventPage + 1})
	if err == nil && len(events) > dispatcher.MaxEventPage {
		err = dispatcher.FieldError("end_date", "该时段更新过多，请缩短查询时段 (more than %d updates in this window; ask for a shorter one)",
			dispatcher.MaxEventPage)
	}
	if err != nil {
		h.fail(w, format, err)
		return
	}
	updates := h.updates(events)
	w.Header().Set("X-Total-Count", strconv.Itoa(len(updates)))
	if format == formatJSON {
		h.write(w, format, http.StatusOK, updates)
		return
	}
	h.write(w, format, http.StatusOK, updatesXML{Updates: updates})
}

// updates are the public status changes among events, in the order given.
func (h *handler) updates(events []*dispatcher.Event) []Update {
	loc := h.svc.Calendar().Location()
	out := []Update{}
	for _, ev := range events {
		status := UpdateStatus(ev.To, ev.Action)
		if ev.Action == dispatcher.ActReceive || status == UpdateStatus(ev.From, "") ||
			(h.opts.Channel != "" && ev.Summary.Channel != h.opts.Channel) {
			continue
		}
		out = append(out, Update{UpdateID: strconv.FormatInt(ev.ID, 10), ServiceRequestID: ev.Summary.Number,
			Status: status, UpdatedDatetime: ev.At.In(loc).Format(time.RFC3339), Description: UpdateText(ev)})
	}
	return out
}

// UpdateStatus is the public status of a case in state s, in the extension's values; action is
// the action that led there, which tells a fix (pass) from another close.
func UpdateStatus(s dispatcher.State, action string) string {
	switch s {
	case dispatcher.Verifying:
		return "investigating"
	case dispatcher.Dispatched:
		return "action_scheduled"
	case dispatcher.InProgress, dispatcher.Suspended, dispatcher.Resolved, dispatcher.Checking:
		return "in_progress" // the check decides whether it is fixed: no "fixed" before it passes
	case dispatcher.Closed:
		if action == dispatcher.ActPass {
			return "fixed"
		}
		return "closed"
	case dispatcher.Answered:
		return "closed"
	case dispatcher.Rejected, dispatcher.Voided:
		return "no_further_action"
	case dispatcher.Merged:
		return "duplicate"
	case dispatcher.Transferred:
		return "not_councils_responsibility"
	}
	return "open" // received, registered
}

// statusEventTypes are the event types that can change the public status: the feed reads only
// those. Computed from the lifecycle table so that it cannot drift from it.
var statusEventTypes = func() []string {
	var types []string
	for _, t := range dispatcher.Lifecycle {
		if t.To == "" {
			continue
		}
		from := t.From
		if from == nil {
			from = dispatcher.AllStates
		}
		for _, f := range from {
			if UpdateStatus(f, "") != UpdateStatus(t.To, t.Action) {
				types = append(types, t.Event)
				break
			}
		}
	}
	return types
}()

// updateTexts are the sentences updates carry, by action: fixed texts, never what an officer
// wrote. Results, replies and reasons are free text that may name the person a report is about, a
// neighbour or the reporter; the bureau publishes what happened, not its notes.
var updateTexts = map[string]string{
	dispatcher.ActVerify:      "已安排监督员现场核实 (an inspector has been sent to verify the report on site)",
	dispatcher.ActRegister:    "已立案，等待派遣 (registered; waiting to be dispatched)",
	dispatcher.ActDispatch:    "已派遣至处置单位 (dispatched to the team that handles it)",
	dispatcher.ActArbitrate:   "已由值班长裁定承办单位并派遣 (the shift leader ruled which team handles it; dispatched)",
	dispatcher.ActReassign:    "已改派至其他处置单位 (reassigned to another team)",
	dispatcher.ActAcknowledge: "处置单位已签收，正在处置 (the team has acknowledged it and is handling it)",
	dispatcher.ActReturn:      "处置单位退回指挥中心，等待重新派遣 (returned by the team; waiting to be dispatched again)",
	dispatcher.ActRework:      "核查未通过，已返工 (the on-site check found the work unfinished; sent back to the team)",
	dispatcher.ActPass:        "已处置并经现场核查，已结案 (handled and checked on site; closed)",
	dispatcher.ActRecordReply: "接收单位已答复，已结案 (the authority it was transferred to has replied; closed)",
	dispatcher.ActAnswer:      "已答复，已办结 (answered; closed)",
	dispatcher.ActReject:      "经核实不予立案 (not registered after verification: no action will be taken)",
	dispatcher.ActVoid:        "已作废 (voided: no action will be taken)",
	dispatcher.ActMerge:       "与同一问题的较早报告合并办理 (merged into an earlier report of the same problem)",
	dispatcher.ActTransfer:    "不属本局职责，已移交有关单位 (not the bureau's responsibility; transferred to the authority concerned)",
	dispatcher.ActReopen:      "已重新办理 (reopened)",
}

// UpdateText is the description of the update an event makes.
func UpdateText(ev *dispatcher.Event) string {
	if t, ok := updateTexts[ev.Action]; ok {
		return t
	}
	return StatusNotes(ev.To)
}
