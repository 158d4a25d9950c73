package webform

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/open311"
)

var last4Re = regexp.MustCompile(`^[0-9]{4}$`)

// Tracked is what /track shows: the case's status and its public history, nothing personal.
type Tracked struct {
	Number       string    `json:"number"`
	CategoryName string    `json:"category_name"`
	Status       string    `json:"status"` // open or closed
	StateLabel   string    `json:"state_label"`
	CreatedAt    time.Time `json:"created_at"`
	Reporters    int       `json:"reporters"`
	History      []Step    `json:"history"`
}

// Step is one public step of a case.
type Step struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// track answers a case's status to whoever gives its number and the last four digits of a phone
// that reported it. A wrong number and wrong digits answer alike.
func (h *Handler) track(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Number string `json:"number"`
		Last4  string `json:"last4"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		fail(w, dispatcher.FieldError("body", "请填写案件编号和手机号后四位 (number and last4 are required)"))
		return
	}
	number := strings.ToUpper(strings.TrimSpace(req.Number))
	l := h.opt.Limits
	if ok, retry := h.allow(r.Context(), "web:track:"+h.clientAddr(r), l.Tracks, l.TrackWindow); !ok {
		tooMany{msg: "查询过于频繁，请稍后再试 (too many lookups: try again later)", retry: retry}.write(w)
		return
	}
	if ok, retry := h.allow(r.Context(), "web:track-case:"+number, l.TracksPerCase, time.Hour); !ok {
		tooMany{msg: "该案件查询过于频繁，请稍后再试 (too many lookups of this case)", retry: retry}.write(w)
		return
	}
	t, err := h.tracked(r, number, strings.TrimSpace(req.Last4))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (h *Handler) tracked(r *http.Request, number, last4 string) (*Tracked, error) {
	none := &dispatcher.Error{Code: dispatcher.ENotFound, Message: "未找到：请核对案件编号和手机号后四位 (no such case for these digits)"}
	if !last4Re.MatchString(last4) || len(number) > 32 {
		return nil, none
	}
	c, err := h.svc.CaseByNumber(r.Context(), Actor, number)
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		return nil, none
	} else if err != nil {
		return nil, err
	}
	ok, err := h.reportedBy(r, c, last4)
	if err != nil || !ok {
		return nil, notFoundOr(err, none)
	}
	events, err := h.svc.CaseEvents(r.Context(), Actor, c.ID)
	if err != nil {
		return nil, err
	}
	cat, _ := h.svc.Category(c.Category)
	t := &Tracked{Number: c.Number, CategoryName: cat.Name, Status: "open", StateLabel: dispatcher.StateLabel(c.State),
		CreatedAt: c.CreatedAt, Reporters: c.ReporterCount(), History: history(events)}
	if !c.State.IsOpen() {
		t.Status = "closed"
	}
	return t, nil
}

// reportedBy: the digits end a phone of one of the case's reporters.
func (h *Handler) reportedBy(r *http.Request, c *dispatcher.Case, last4 string) (bool, error) {
	rs, err := h.svc.Reporters(r.Context(), Actor, c.ID)
	if err != nil {
		return false, err
	}
	for _, rep := range rs {
		if p := rep.Contact.Phone; len(p) >= 4 && strings.HasSuffix(p, last4) {
			return true, nil
		}
	}
	return false, nil
}

func notFoundOr(err, none error) error {
	if err != nil {
		return err
	}
	return none
}

// history is the public steps: the receipt, then each change of the public status, in the
// update feed's fixed sentences (never an officer's words).
func history(events []*dispatcher.Event) []Step {
	out := []Step{}
	for _, ev := range events {
		switch {
		case ev.Action == dispatcher.ActReceive:
			out = append(out, Step{At: ev.At, Text: "已受理 (received)"})
		case ev.Action == dispatcher.ActJoin:
			out = append(out, Step{At: ev.At, Text: "又有市民反映此问题 (another report of the same problem)"})
		case open311.UpdateStatus(ev.To, ev.Action) != open311.UpdateStatus(ev.From, ""):
			out = append(out, Step{At: ev.At, Text: open311.UpdateText(ev)})
		}
	}
	return out
}
