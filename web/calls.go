package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"cityhub/dispatcher"
)

// The hotline's call log, the caller a console pops, and the block list.

func (s *Server) callRoutes() []route {
	h := func(p string, fn authedHandler) route { return route{p, s.authed(fn)} }
	return []route{
		h("GET /api/v1/calls", s.handleCalls),
		h("GET /api/v1/calls/measures", s.handleCallMeasures),
		h("GET /api/v1/calls/live", s.handleCallsLive),
		h("GET /api/v1/callers/{phone}", s.handleCaller),
		h("GET /api/v1/blocklist", s.handleBlocks),
		h("POST /api/v1/blocklist", s.handlePutBlock),
		h("DELETE /api/v1/blocklist/{phone}", s.handleDeleteBlock),
	}
}

func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	q := r.URL.Query()
	f := dispatcher.CallFilter{Caller: q.Get("phone"), Agent: q.Get("agent"), Outcome: q.Get("outcome")}
	var err error
	if f.From, err = timeParam(q.Get("from"), "from"); err == nil {
		f.To, err = timeParam(q.Get("to"), "to")
	}
	if err == nil {
		var n int
		n, err = intParam(q.Get("limit"), "limit", 0, 500)
		f.Limit = n
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	calls, err := s.svc.Calls(r.Context(), a.Actor(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"calls": calls})
}

func (s *Server) handleCallMeasures(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	q := r.URL.Query()
	today := s.svc.Now().In(s.svc.Calendar().Location()).Format("2006-01-02")
	from, to := q.Get("from"), q.Get("to")
	if from == "" {
		from = today
	}
	if to == "" {
		to = from
	}
	n, err := s.svc.CallMeasures(r.Context(), a.Actor(), from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "calls": n})
}

func (s *Server) handleCaller(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	c, err := s.svc.CallerInfo(r.Context(), a.Actor(), r.PathValue("phone"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// handleCallsLive is the operator's ring: a Server-Sent Events stream of the calls ringing for
// the signed-in account, each with what the console pops (the caller's cases, a block, repeat
// calls). A call that rings while no console is open is not kept: the log has it.
func (s *Server) handleCallsLive(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	actor := a.Actor()
	if !dispatcher.CanSeeContact(actor) {
		s.writeError(w, r, dispatcher.Errorf(dispatcher.EForbidden, "只有受理员和值班长接听来电 (only operators and shift leaders take calls)"))
		return
	}
	if s.signals == nil {
		s.writeError(w, r, dispatcher.Errorf(dispatcher.EUnavailable, "未接入呼叫中心 (no telephone system is connected)"))
		return
	}
	calls, stop := s.signals.Listen(dispatcher.CallTopic(a.Login))
	defer stop()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // it lives as long as the console
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": ringing calls\n\n")
	_ = rc.Flush()
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case msg := <-calls:
			if !s.popCall(w, r, actor, msg) {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// popCall writes one ringing call with the caller's information as an SSE "call" event.
func (s *Server) popCall(w http.ResponseWriter, r *http.Request, actor dispatcher.Actor, msg []byte) bool {
	var call dispatcher.Call
	if json.Unmarshal(msg, &call) != nil {
		return true
	}
	out := map[string]any{"call": call}
	if caller, err := s.svc.CallerInfo(r.Context(), actor, call.Caller); err == nil {
		out["caller"] = caller
	} else {
		s.log.Warn("hotline pop: the caller could not be read", "call", call.ID, "err", err)
	}
	b, _ := json.Marshal(out)
	_, err := fmt.Fprintf(w, "event: call\ndata: %s\n\n", b)
	return err == nil
}

func (s *Server) handleBlocks(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	list, err := s.svc.Blocks(r.Context(), a.Actor())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"blocks": list})
}

func (s *Server) handlePutBlock(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	var req struct {
		Phone     string     `json:"phone"`
		Reason    string     `json:"reason"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := s.svc.PutBlock(r.Context(), a.Actor(), req.Phone, req.Reason, req.ExpiresAt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"block": b})
}

func (s *Server) handleDeleteBlock(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	if err := s.svc.DeleteBlock(r.Context(), a.Actor(), r.PathValue("phone")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
