package open311

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// extensions=true (the GeoReport v2 extension Chicago and others serve): each request carries
// extended_attributes with its public history, so that a client sees how the request moved
// without a second call. Nothing personal and no officer's words: the history is the update
// feed's fixed sentences (UpdateText), plus what the reporter added through POST
// servicerequestupdates, which is the reporter's own public report continued.

// Extended is a request's extended_attributes.
type Extended struct {
	Channel string `xml:"channel" json:"channel"`
	// Reporters counts the people who reported the problem (reports joined to the case included).
	Reporters int    `xml:"reporters" json:"reporters"`
	Notes     []Note `xml:"notes>note" json:"notes"`
}

// Note is one step of a request's public history.
type Note struct {
	UpdateID    string `xml:"update_id" json:"update_id"`
	Datetime    string `xml:"datetime" json:"datetime"`
	Type        string `xml:"type" json:"type"`     // opened, status, or comment (the reporter's addition)
	Status      string `xml:"status" json:"status"` // the public status after it (the update feed's values)
	Description string `xml:"description" json:"description"`
}

// extended is the case's extended_attributes, read from its events.
func (h *handler) extended(ctx context.Context, c *dispatcher.Case) (*Extended, error) {
	events, err := h.svc.CaseEvents(ctx, reader, c.ID)
	if err != nil {
		return nil, err
	}
	loc := h.svc.Calendar().Location()
	x := &Extended{Channel: c.Channel, Reporters: c.ReporterCount(), Notes: []Note{}}
	status := "open"
	for _, ev := range events {
		n, ok := h.note(ev, &status)
		if ok {
			n.UpdateID, n.Datetime = strconv.FormatInt(ev.ID, 10), ev.At.In(loc).Format(time.RFC3339)
			x.Notes = append(x.Notes, n)
		}
	}
	return x, nil
}

// note is what an event adds to the public history, if anything; status follows the case.
func (h *handler) note(ev *dispatcher.Event, status *string) (Note, bool) {
	switch {
	case ev.Action == dispatcher.ActReceive:
		return Note{Type: "opened", Status: "open", Description: "已受理 (received)"}, true
	case ev.Action == dispatcher.ActNote && strings.HasPrefix(ev.Actor.Login, "open311:"):
		return Note{Type: "comment", Status: *status, Description: reporterAddition(ev)}, true
	}
	next := UpdateStatus(ev.To, ev.Action)
	if next == UpdateStatus(ev.From, "") {
		return Note{}, false
	}
	*status = next
	return Note{Type: "status", Status: next, Description: UpdateText(ev)}, true
}

// reporterAddition is the text the reporter added (the note's text, without the prefix the hub
// records it under).
func reporterAddition(ev *dispatcher.Event) string {
	text := strings.TrimPrefix(dataString(ev, "text"), reporterNotePrefix)
	text, _, _ = strings.Cut(text, updateIDMark)
	return strings.TrimSpace(text)
}

// writeRequests answers with cases as requests; with extensions, each carries its history.
func (h *handler) writeRequests(ctx context.Context, w http.ResponseWriter, format, base string, cases []*dispatcher.Case, extensions bool) {
	list := make([]Request, 0, len(cases))
	for _, c := range cases {
		r := h.request(c, base)
		if extensions {
			x, err := h.extended(ctx, c)
			if err != nil {
				h.fail(w, format, err)
				return
			}
			r.Extended = x
		}
		list = append(list, r)
	}
	if format == formatJSON {
		h.write(w, format, http.StatusOK, list)
		return
	}
	doc := serviceRequestsXML{Requests: make([]any, 0, len(list))}
	for _, r := range list {
		doc.Requests = append(doc.Requests, r.xml())
	}
	h.write(w, format, http.StatusOK, doc)
}

// xmlExtended keeps <notes/> when there are none.
type xmlExtended struct {
	XMLName   xml.Name `xml:"extended_attributes"`
	Channel   string   `xml:"channel"`
	Reporters int      `xml:"reporters"`
	Notes     struct {
		Note []Note `xml:"note"`
	} `xml:"notes"`
}

func (x *Extended) xml() *xmlExtended {
	if x == nil {
		return nil
	}
	out := &xmlExtended{Channel: x.Channel, Reporters: x.Reporters}
	out.Notes.Note = x.Notes
	return out
}
