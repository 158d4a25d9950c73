package web

import (
	"encoding/json"
	"time"

	"cityhub/dispatcher"
)

// eventView is an event as the JSON API serves it: exactly these fields. It is an explicit list, so
// that what dispatcher.Event carries for the audit or the store is not served by accident, and the
// actor goes without the officer's certificate, as on the stream.
type eventView struct {
	ID       int64            `json:"id"`
	CaseID   int64            `json:"case_id"`
	Seq      int64            `json:"seq"`
	Type     string           `json:"type"`
	Action   string           `json:"action"`
	Actor    actorView        `json:"actor"`
	At       time.Time        `json:"at"`
	From     dispatcher.State `json:"from,omitempty"`
	To       dispatcher.State `json:"to"`
	Owner    string           `json:"owner"`
	Reason   string           `json:"reason,omitempty"`
	Data     json.RawMessage  `json:"data,omitempty"`
	PrevHash string           `json:"prev_hash"`
	Hash     string           `json:"hash"`
	Case     caseSummaryView  `json:"case"`
}

// caseSummaryView is the summary an event carries with its case's id, as on the stream.
type caseSummaryView struct {
	ID int64 `json:"id"`
	dispatcher.CaseSummary
}

// actorView is who acted, without the certificate.
type actorView struct {
	Login string          `json:"login"`
	Name  string          `json:"name,omitempty"`
	Role  dispatcher.Role `json:"role"`
	Unit  string          `json:"unit"`
}

func viewEvent(e *dispatcher.Event) eventView {
	return eventView{ID: e.ID, CaseID: e.CaseID, Seq: e.Seq, Type: e.Type, Action: e.Action,
		Actor: actorView{Login: e.Actor.Login, Name: e.Actor.Name, Role: e.Actor.Role, Unit: e.Actor.Unit},
		At:    e.At, From: e.From, To: e.To, Owner: e.Owner, Reason: e.Reason, Data: e.Data,
		PrevHash: e.PrevHash, Hash: e.Hash, Case: caseSummaryView{ID: e.CaseID, CaseSummary: dispatcher.EventSummary(e)}}
}

// viewEvents is the served form of a list of events (an empty list, never null).
func viewEvents(events []*dispatcher.Event) []eventView {
	out := make([]eventView, len(events))
	for i, e := range events {
		out[i] = viewEvent(e)
	}
	return out
}
