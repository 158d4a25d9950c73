package dispatcher

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTextRunes is the longest description a report may carry.
const MaxTextRunes = 4000

// Complaint is a report as an intake adapter normalised it: the point is already WGS-84, the
// original coordinate and its datum kept beside it.
type Complaint struct {
	Channel    string   `json:"channel"`
	Nature     string   `json:"nature"`
	Category   string   `json:"category"`
	Text       string   `json:"text"`
	Location   Location `json:"location"`
	Reporter   Contact  `json:"reporter"`
	Media      []string `json:"media,omitempty"`
	ExternalID string   `json:"external_id,omitempty"`
	// NonPublic: the reporter asked that the report not be published (Open311's non_public).
	NonPublic bool `json:"non_public,omitempty"`
	// APIKey is the id of the Open311 api key that submitted the report (APIKey.ID), set by the
	// Open311 adapter so that the key may read its own private reports.
	APIKey string `json:"api_key_id,omitempty"`
	// JoinCase is the number of an open case the report is about (the reporter, or the operator
	// for them, answered "is it one of these?"): the report joins that case as one more reporter
	// instead of becoming a case (duplicates.go).
	JoinCase string `json:"join_case,omitempty"`
	// Call is the hotline call the report was taken on (the call log links it, and its recording).
	Call *CallRef `json:"call,omitempty"`
}

// SubmitResult is the case a report became, and whether it was already known.
type SubmitResult struct {
	Case      *Case
	Duplicate bool // the channel message had been accepted before; Case is the earlier one
	Joined    bool // the report joined Case, an open case of the same problem (Complaint.JoinCase)
}

// Validate checks a complaint against the catalogue. It changes nothing and stores nothing.
func (s *Service) Validate(cmp *Complaint) error {
	if cmp.Nature == "" {
		cmp.Nature = "complaint"
	}
	if err := validateComplaintFields(cmp); err != nil {
		return err
	}
	if _, ok := s.nature(cmp.Nature); !ok {
		return FieldError("nature", "未知的诉求性质 %q (unknown nature)", cmp.Nature)
	}
	if !slices.Contains(Channels, cmp.Channel) {
		return FieldError("channel", "未知的渠道 %q (unknown channel)", cmp.Channel)
	}
	if _, ok := s.Category(cmp.Category); !ok {
		return FieldError("category", "未知的事件类别 %q (unknown category)", cmp.Category)
	}
	if err := validateText(cmp.Text); err != nil {
		return err
	}
	return ValidatePoint(cmp.Location.Point)
}

func validateText(text string) error {
	if !utf8.ValidString(text) {
		return FieldError("text", "描述不是有效的 UTF-8 文本 (text is not valid UTF-8)")
	}
	if n := utf8.RuneCountInString(text); n > MaxTextRunes {
		return FieldError("text", "描述过长：%d 字，最多 %d 字 (text too long: %d characters, at most %d)", n, MaxTextRunes, n, MaxTextRunes)
	}
	if strings.ContainsRune(text, 0) {
		return FieldError("text", "描述含有非法字符 (text contains a NUL character)")
	}
	return nil
}

// Submit turns a report into a case: validate, de-duplicate, route, then write the case and its
// first events (and, under the automatic policy, its registration and dispatch) in one transaction.
// A report outside the district is refused and nothing is stored.
func (s *Service) Submit(ctx context.Context, actor Actor, cmp Complaint) (SubmitResult, error) {
	if !CanSubmit(actor) {
		return SubmitResult{}, Errorf(EForbidden, "角色“%s”不能登记诉求 (role %s may not log reports)", RoleLabel(actor.Role), actor.Role)
	}
	if err := s.Validate(&cmp); err != nil {
		return SubmitResult{}, err
	}
	if err := s.checkAttach(ctx, actor, "media", cmp.Media); err != nil {
		return SubmitResult{}, err
	}
	if cmp.Channel == ChannelInspector && actor.Role != Inspector {
		return SubmitResult{}, &Error{Code: EForbidden, Field: "channel",
			Message: "只有监督员可以使用监督员上报渠道 (only an inspector may file on the inspector channel)"}
	}
	if prev, ok, err := s.alreadyAccepted(ctx, cmp); err != nil || ok {
		return prev, err
	}
	if cmp.JoinCase != "" {
		return s.join(ctx, actor, cmp)
	}
	routing, err := s.Router().Route(ctx, cmp.Location.Point, cmp.Category)
	if err != nil {
		return SubmitResult{}, err
	}
	return s.create(ctx, actor, cmp, routing)
}

func (s *Service) create(ctx context.Context, actor Actor, cmp Complaint, routing Routing) (SubmitResult, error) {
	now := s.Now()
	c := s.newCase(cmp, routing, now)
	c.RepeatOf = s.recallRepeat(ctx, c)
	tx := newChange(ctx, s, c, actor, now)
	tx.record(&Transition{Action: ActReceive, To: Received, Event: "case.received"}, ActionRequest{}, receivedData(c))
	tx.tally(MReceived, 1)
	tx.tally(MReports, 1)
	tx.tallyCells(1)
	if s.auto && cmp.Nature != "inquiry" {
		tx.actor = SystemActor // the policy's steps are the system's, not the reporter's
		if err := s.autoDispatch(tx); err != nil {
			return SubmitResult{}, err
		}
	}
	tx.finish()
	err := s.store.CreateCase(ctx, c, tx.events, tx.tallies)
	if ErrorCode(err) == EDuplicate {
		prev, perr := s.store.CaseByExternalID(ctx, cmp.Channel, cmp.ExternalID)
		if perr != nil {
			return SubmitResult{}, perr
		}
		return SubmitResult{Case: prev, Duplicate: true}, nil
	}
	if err != nil {
		return SubmitResult{}, err
	}
	s.publish(ctx, tx.events)
	s.rememberRepeat(ctx, c)
	s.linkCall(ctx, cmp.Call, c.Number)
	return SubmitResult{Case: c}, nil
}

// repeatKey names a report's category and place (its H3 cell, about 0.1 km²).
func repeatKey(c *Case) string { return "repeat:" + c.Category + ":" + c.Routing.Cell }

// recallRepeat finds an earlier report of the same category in the same cell within the repeat
// window. The case is still created (the reporter may see something new); the operator sees the
// flag and may merge. A deduper that is down only loses the hint.
func (s *Service) recallRepeat(ctx context.Context, c *Case) string {
	prior, found, err := s.dedup.Recall(ctx, repeatKey(c))
	if err != nil || !found {
		return ""
	}
	return prior
}

func (s *Service) rememberRepeat(ctx context.Context, c *Case) {
	if c.RepeatOf != "" {
		return // keep pointing at the first report of the cluster
	}
	_ = s.dedup.Remember(ctx, repeatKey(c), c.Number, s.repeat)
}

func (s *Service) newCase(cmp Complaint, routing Routing, now time.Time) *Case {
	cat, _ := s.Category(cmp.Category)
	ref := s.Reference()
	return &Case{
		Number: ref.CasePrefix + now.In(s.Calendar().Location()).Format("20060102"),
		State:  Received, OwnerKind: OwnedByCentre, Owner: CommandCentre,
		Channel: cmp.Channel, Nature: cmp.Nature, Category: cmp.Category, Text: cmp.Text,
		Location: cmp.Location, Reporter: cmp.Reporter, ExternalID: cmp.ExternalID, Media: cmp.Media, ReportMedia: len(cmp.Media),
		Publication:     IntakePublication(cmp.Channel, cmp.Nature, cmp.NonPublic),
		ReporterPrivate: cmp.NonPublic, APIKey: cmp.APIKey, Call: cmp.Call,
		Routing: routing, Urgent: cat.Urgent, Owners: []string{CommandCentre},
		CreatedAt: now, UpdatedAt: now,
		Clocks: Clocks{Registration: s.startClock(now, s.registerLimit())},
	}
}

// autoDispatch is the automatic policy: a report that one unit of the bureau owns is registered
// and dispatched to it; another authority's report is registered and transferred.
func (s *Service) autoDispatch(tx *change) error {
	steps := []ActionRequest{{Action: ActRegister}}
	if tx.c.Routing.Outcome == RouteToTransfer {
		steps = append(steps, ActionRequest{Action: ActTransfer, Unit: tx.c.Routing.Unit})
	} else {
		steps = append(steps, ActionRequest{Action: ActDispatch, Unit: tx.c.Routing.Unit})
	}
	for _, req := range steps {
		if err := tx.apply(req); err != nil {
			return err
		}
	}
	return nil
}

func receivedData(c *Case) map[string]any {
	d := map[string]any{
		"channel": c.Channel, "nature": c.Nature, "category": c.Category, "text": c.Text,
		"location": c.Location, "routing": c.Routing, "external_id": c.ExternalID, "media": c.Media,
		"reporter_given": !c.Reporter.IsZero(), "repeat_of": c.RepeatOf,
		"publication": c.Publication, "reporter_private": c.ReporterPrivate, "api_key_id": c.APIKey,
	}
	if c.Call != nil {
		d["call"] = c.Call
	}
	return d
}

// CanSubmit: reports are logged by the centre's intake roles, by inspectors who find problems on
// patrol, and by the channel adapters acting as the system.
func CanSubmit(a Actor) bool {
	switch a.Role {
	case Operator, ShiftLeader, DispatcherRole, Inspector, System:
		return a.Role == System || a.InCentre()
	}
	return false
}
