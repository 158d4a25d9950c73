package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cityhub/dispatcher"
)

// POST servicerequestupdates (mySociety's extension, as FixMyStreet's client sends it when a
// reporter comments on their report): the client that filed a request adds to it what its
// reporter wrote, and photos (media_url, or uploaded as for POST requests). Fields: api_key,
// service_request_id, description (required), update_id (the client's own id of the comment),
// updated_datetime, status, first_name, last_name, email, phone, media_url. The addition is
// recorded on the case as a note of the client (actor open311:<key name>), shown to the centre
// and in the request's public history (extensions=true). The reporter cannot change the status:
// status is read and ignored. The same update_id sent again answers the first one's update_id
// and records nothing.

// reporterNotePrefix heads the note an addition becomes, so that the centre reads it as the
// reporter's words.
const reporterNotePrefix = "市民补充："

// updateIDMark names the client's update_id in the note, for retries.
const updateIDMark = "（Open311 update_id "

// PostedUpdate is the answer to POST servicerequestupdates.
type PostedUpdate struct {
	XMLName  xml.Name `xml:"request_update" json:"-"`
	UpdateID string   `xml:"update_id" json:"update_id"`
}

type postedUpdatesXML struct {
	XMLName xml.Name       `xml:"service_request_updates"`
	Updates []PostedUpdate `xml:"request_update"`
}

// postUpdate handles POST servicerequestupdates.{format}.
func (h *handler) postUpdate(w http.ResponseWriter, r *http.Request, format string) {
	values, files, err := h.readForm(w, r)
	if !h.formRead(w, format, err) {
		return
	}
	key, c, err := h.updateTarget(r.Context(), values)
	if err != nil {
		h.fail(w, format, err)
		return
	}
	text, clientID, err := updateText(values)
	if err != nil {
		h.fail(w, format, err)
		return
	}
	actor := dispatcher.Actor{Login: "open311:" + key.Name, Name: key.Name, Role: dispatcher.System, Unit: dispatcher.CommandCentre}
	if id, ok, err := h.earlierUpdate(r.Context(), c, actor, clientID); err != nil || ok {
		h.answerUpdate(w, format, id, err)
		return
	}
	photos, err := h.storeUploads(r.Context(), actor, files)
	if err != nil {
		h.fail(w, format, err)
		return
	}
	if u := values.Get("media_url"); u != "" && validMediaURL(u) {
		photos = append(photos, u)
	}
	res, err := h.svc.Act(r.Context(), actor, c.ID, dispatcher.ActionRequest{Action: dispatcher.ActNote, Text: text, Media: photos})
	if err != nil {
		h.fail(w, format, err)
		return
	}
	h.answerUpdate(w, format, strconv.FormatInt(res.Events[len(res.Events)-1].ID, 10), nil)
}

// updateTarget checks the api key and finds the request it may add to: only the client that filed
// a request speaks for its reporter. A request the key may not read is the same 404 as a missing one.
func (h *handler) updateTarget(ctx context.Context, values url.Values) (*dispatcher.APIKey, *dispatcher.Case, error) {
	if err := h.checkJurisdiction(values); err != nil {
		return nil, nil, err
	}
	f := form{values: values}
	k, err := f.single("api_key")
	if err != nil {
		return nil, nil, err
	}
	key, err := h.svc.CheckAPIKey(ctx, strings.TrimSpace(k))
	if err != nil {
		return nil, nil, err
	}
	id, err := f.line("service_request_id", maxCodeLen)
	if err != nil {
		return nil, nil, err
	}
	notFound := &dispatcher.Error{Code: dispatcher.ENotFound, Field: "service_request_id",
		Message: fmt.Sprintf("请求 %q 不存在 (service_request_id %q not found)", id, id)}
	if id == "" || !codeRe.MatchString(id) {
		return nil, nil, notFound
	}
	c, err := h.svc.CaseByNumber(ctx, reader, id)
	switch {
	case dispatcher.ErrorCode(err) == dispatcher.ENotFound || (err == nil && !h.readable(c, key.ID())):
		return nil, nil, notFound
	case err != nil:
		return nil, nil, err
	case c.APIKey != key.ID():
		return nil, nil, &dispatcher.Error{Code: dispatcher.EForbidden, Field: "api_key",
			Message: "只有提交该请求的客户端可以补充 (only the client that filed the request may add to it)"}
	}
	return key, c, nil
}

// updateText is the note an addition becomes: the reporter's description, marked with the
// client's update_id when it gave one.
func updateText(values url.Values) (text, clientID string, err error) {
	f := form{values: values}
	desc, err := f.text("description", dispatcher.MaxTextRunes-100)
	if err != nil {
		return "", "", err
	}
	if strings.TrimSpace(desc) == "" {
		return "", "", dispatcher.FieldError("description", "请填写补充内容 (description is required)")
	}
	if clientID, err = f.line("update_id", maxIDLen); err != nil {
		return "", "", err
	}
	text = reporterNotePrefix + strings.TrimSpace(desc)
	if clientID != "" {
		text += updateIDMark + clientID + "）"
	}
	return text, clientID, nil
}

// earlierUpdate finds the note an earlier delivery of the same update_id recorded.
func (h *handler) earlierUpdate(ctx context.Context, c *dispatcher.Case, actor dispatcher.Actor, clientID string) (string, bool, error) {
	if clientID == "" {
		return "", false, nil
	}
	events, err := h.svc.CaseEvents(ctx, reader, c.ID)
	if err != nil {
		return "", false, err
	}
	for _, ev := range events {
		if ev.Action == dispatcher.ActNote && ev.Actor.Login == actor.Login &&
			strings.HasSuffix(dataString(ev, "text"), updateIDMark+clientID+"）") {
			return strconv.FormatInt(ev.ID, 10), true, nil
		}
	}
	return "", false, nil
}

func (h *handler) answerUpdate(w http.ResponseWriter, format, updateID string, err error) {
	if err != nil {
		h.fail(w, format, err)
		return
	}
	list := []PostedUpdate{{UpdateID: updateID}}
	if format == formatJSON {
		h.write(w, format, http.StatusOK, list)
		return
	}
	h.write(w, format, http.StatusOK, postedUpdatesXML{Updates: list})
}

// dataString is a string field of an event's data ("" when absent).
func dataString(ev *dispatcher.Event, key string) string {
	var d map[string]any
	if json.Unmarshal(ev.Data, &d) != nil {
		return ""
	}
	s, _ := d[key].(string)
	return s
}
