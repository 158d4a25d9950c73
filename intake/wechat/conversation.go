package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityhub/dispatcher"
	"cityhub/geo"
)

// draft is the report a citizen is assembling, kept in the KV so that any instance can take the
// next message and a restart loses nothing. It lives DraftTTL after the citizen's last message.
type draft struct {
	ID       int64                `json:"id"` // when it began (unix ns): names the report once filed
	Texts    []string             `json:"texts,omitempty"`
	Category string               `json:"category,omitempty"`
	Choices  []string             `json:"choices,omitempty"` // category codes offered by number
	Location *dispatcher.Location `json:"location,omitempty"`
	Hint     *dispatcher.Location `json:"hint,omitempty"` // the phone's last reported position
	Photos   []photo              `json:"photos,omitempty"`
	Filed    string               `json:"filed,omitempty"` // the case number, once filed (or joined)
	// Same are the open cases nearby of the same category offered with the summary, by number:
	// "同一 N" joins the report to one of them instead of filing a case (same.go).
	Same []string `json:"same,omitempty"`
}

// photo is one picture or video the citizen sent: its WeChat MediaId until it is downloaded, then
// the hash it is stored under.
type photo struct {
	MediaID string `json:"media_id"`
	Hash    string `json:"hash,omitempty"`
	Failed  bool   `json:"failed,omitempty"`
}

func draftKey(openID string) string { return "wechat:draft:" + openID }

// externalID names a filed draft in the store's (channel, external id) index: a second 确认, a
// retry or two instances racing file it once.
func externalID(openID string, draftID int64) string { return fmt.Sprintf("%s:%d", openID, draftID) }

func (d *draft) text() string { return strings.Join(d.Texts, "\n") }

func (d *draft) storedMedia() []string {
	var out []string
	for _, p := range d.Photos {
		if p.Hash != "" {
			out = append(out, p.Hash)
		}
	}
	return out
}

func (d *draft) pendingPhotos() int {
	n := 0
	for _, p := range d.Photos {
		if p.Hash == "" && !p.Failed {
			n++
		}
	}
	return n
}

// complete: a report needs what happened, where, and which kind of problem it is.
func (d *draft) complete() bool {
	return len(d.Texts) > 0 && d.Location != nil && d.Category != ""
}

// editDraft loads the citizen's draft, lets edit change it, and writes it back if nobody wrote
// it meanwhile (another instance taking the citizen's next message); otherwise it starts over on
// the fresh draft. edit may be run more than once, so what it does outside the draft must be
// idempotent (filing is, by the draft's external id).
func (in *Intake) editDraft(ctx context.Context, openID string, edit func(d *draft) (Reply, error)) (Reply, error) {
	for attempt := 0; ; attempt++ {
		d, rev, err := in.loadDraft(ctx, openID)
		if err != nil {
			return Reply{}, err
		}
		reply, err := edit(d)
		if err != nil {
			return Reply{}, err
		}
		b, _ := json.Marshal(d)
		_, err = in.opt.KV.KVPut(ctx, draftKey(openID), b, rev, DraftTTL)
		if dispatcher.ErrorCode(err) == dispatcher.EConflict && attempt < 20 {
			continue
		}
		return reply, err
	}
}

// loadDraft returns the citizen's draft and its revision; a new one (revision 0) when there is
// none or the last was filed and its time is up.
func (in *Intake) loadDraft(ctx context.Context, openID string) (*draft, int64, error) {
	e, err := in.opt.KV.KVGet(ctx, draftKey(openID))
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		return &draft{ID: in.now().UnixNano()}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	var d draft
	if err := json.Unmarshal(e.Value, &d); err != nil {
		in.log.Warn("wechat: unreadable draft, starting a new one", "err", err)
		return &draft{ID: in.now().UnixNano()}, e.Rev, nil
	}
	return &d, e.Rev, nil
}

// restartIfFiled begins a new draft when the citizen starts describing another problem after
// filing one.
func (in *Intake) restartIfFiled(d *draft) {
	if d.Filed != "" {
		*d = draft{ID: in.now().UnixNano(), Hint: d.Hint}
	}
}

func (in *Intake) forget(ctx context.Context, openID string) error {
	return in.opt.KV.KVDelete(ctx, draftKey(openID), 0)
}

// onDescription adds what the citizen wrote to the report and classifies it if it still has no
// category.
func (in *Intake) onDescription(ctx context.Context, openID, text string) (Reply, error) {
	if text == "" {
		return Reply{Text: textHelp}, nil
	}
	return in.editDraft(ctx, openID, func(d *draft) (Reply, error) {
		in.restartIfFiled(d)
		if len(d.Texts) < maxTexts {
			d.Texts = append(d.Texts, truncateRunes(text, dispatcher.MaxTextRunes/maxTexts))
		}
		if d.Category == "" {
			in.classifyDraft(d, text)
		}
		return in.nextStep(d), nil
	})
}

const maxTexts = 8

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func (in *Intake) classifyDraft(d *draft, text string) {
	found := classify(reportable(in.svc.Reference()), text)
	switch {
	case len(found) == 1:
		d.Category, d.Choices = found[0].Code, nil
	case len(found) > 1:
		d.Choices = codes(found)
	}
}

func codes(cats []dispatcher.Category) []string {
	out := make([]string, len(cats))
	for i, c := range cats {
		out[i] = c.Code
	}
	return out
}

// onLocation takes a location message: WeChat sends GCJ-02, converted to WGS-84 for routing, the
// original kept beside it.
func (in *Intake) onLocation(ctx context.Context, openID string, m *Message) (Reply, error) {
	loc, err := gcjLocation(m.LocationX, m.LocationY, m.Label)
	if err != nil {
		return Reply{Text: textBadLocation}, nil
	}
	if _, err := in.locate(ctx, loc.Point); dispatcher.ErrorCode(err) == dispatcher.EOutside {
		return Reply{Text: textOutsideDistrict}, nil
	}
	return in.editDraft(ctx, openID, func(d *draft) (Reply, error) {
		in.restartIfFiled(d)
		d.Location = &loc
		return in.nextStep(d), nil
	})
}

// gcjLocation converts a WeChat position (latitude, longitude in GCJ-02).
func gcjLocation(lat, lng float64, label string) (dispatcher.Location, error) {
	orig := dispatcher.Point{Lat: lat, Lng: lng}
	p, err := dispatcher.ToWGS84(orig, geo.GCJ02)
	if err != nil {
		return dispatcher.Location{}, err
	}
	if err := dispatcher.ValidatePoint(p); err != nil {
		return dispatcher.Location{}, err
	}
	return dispatcher.Location{Point: p, Original: orig, Datum: geo.GCJ02,
		Address: truncateRunes(strings.TrimSpace(label), dispatcher.MaxAddressRunes)}, nil
}

// hint keeps the position the phone reports on its own (the LOCATION event, when the citizen
// allowed it): offered in the summary if the citizen sends no location.
func (in *Intake) hint(ctx context.Context, m *Message) error {
	loc, err := gcjLocation(m.Latitude, m.Longitude, "")
	if err != nil {
		return nil
	}
	_, err = in.editDraft(ctx, m.FromUserName, func(d *draft) (Reply, error) {
		d.Hint = &loc
		return Reply{}, nil
	})
	return err
}

// useHint takes the phone's own position as the place of the problem, when the citizen says the
// problem is where they stand.
func (in *Intake) useHint(ctx context.Context, openID string) (Reply, error) {
	return in.editDraft(ctx, openID, func(d *draft) (Reply, error) {
		if d.Filed != "" || d.Hint == nil {
			return Reply{Text: textNoHint}, nil
		}
		loc := *d.Hint
		loc.Address = "微信上报的当前位置"
		d.Location = &loc
		return in.nextStep(d), nil
	})
}

// nextStep says what the report still lacks, or shows the summary to confirm.
func (in *Intake) nextStep(d *draft) Reply {
	switch {
	case len(d.Texts) == 0:
		return Reply{Text: in.received(d) + textAskDescription}
	case d.Category == "" && len(d.Choices) > 0:
		return Reply{Text: in.received(d) + in.choiceList(d.Choices, textAskWhichOfThese)}
	case d.Category == "":
		d.Choices = codes(reportable(in.svc.Reference()))
		return Reply{Text: in.received(d) + in.choiceList(d.Choices, textAskCategory)}
	case d.Location == nil && d.Hint != nil:
		return Reply{Text: in.received(d) + textAskLocation + fmt.Sprintf(textOfferHint, in.jurisdiction(d.Hint.Point))}
	case d.Location == nil:
		return Reply{Text: in.received(d) + textAskLocation}
	}
	return Reply{Text: in.summary(d) + in.offerSame(d)}
}

// received acknowledges the photos, the one thing a citizen cannot see in the summary yet.
func (in *Intake) received(d *draft) string {
	if n := len(d.Photos); n > 0 {
		return fmt.Sprintf("已收到照片/视频 %d 个。\n", n)
	}
	return ""
}

func (in *Intake) choiceList(choices []string, intro string) string {
	var b strings.Builder
	b.WriteString(intro)
	for i, code := range choices {
		cat, _ := in.svc.Category(code)
		fmt.Fprintf(&b, "\n%d. %s", i+1, cat.Name)
	}
	b.WriteString("\n请回复序号。")
	return b.String()
}

func (in *Intake) summary(d *draft) string {
	cat, _ := in.svc.Category(d.Category)
	place := d.Location.Address
	if j := in.jurisdiction(d.Location.Point); j != "" {
		place = strings.TrimSpace(place + "（" + j + "）")
	}
	var b strings.Builder
	b.WriteString("请核对您的举报：\n")
	fmt.Fprintf(&b, "类别：%s\n位置：%s\n描述：%s\n", cat.Name, place, truncateRunes(d.text(), 200))
	if n := len(d.Photos); n > 0 {
		fmt.Fprintf(&b, "照片/视频：%d 个\n", n)
	}
	b.WriteString("回复“确认”提交；回复“取消”放弃；继续发送文字、照片或位置可补充修改。")
	return b.String()
}

// jurisdiction names the street or town of a point, as the router finds it.
func (in *Intake) jurisdiction(p dispatcher.Point) string {
	r, err := in.locate(context.Background(), p)
	if err != nil {
		return ""
	}
	return r.JurisdictionName
}

// locate finds the jurisdiction of a point before the category is known: the router answers for
// a category, and the jurisdiction is the same for every one.
func (in *Intake) locate(ctx context.Context, p dispatcher.Point) (dispatcher.Routing, error) {
	cats := reportable(in.svc.Reference())
	if len(cats) == 0 {
		return dispatcher.Routing{}, dispatcher.Errorf(dispatcher.EUnavailable, "no categories")
	}
	return in.svc.Router().Route(ctx, p, cats[0].Code)
}

// answerChoice takes a number as the choice of a category the draft offered.
func (in *Intake) answerChoice(d *draft, n int) (Reply, bool) {
	if d.Category != "" || len(d.Choices) == 0 {
		return Reply{}, false
	}
	if n < 1 || n > len(d.Choices) {
		return Reply{Text: fmt.Sprintf("请回复 1 到 %d 之间的序号。", len(d.Choices))}, true
	}
	d.Category, d.Choices = d.Choices[n-1], nil
	next := in.nextStep(d)
	if !d.complete() { // the summary names the category; otherwise say it was taken
		cat, _ := in.svc.Category(d.Category)
		next.Text = "类别：" + cat.Name + "。\n" + next.Text
	}
	return next, true
}

// confirm files the report. Photos still downloading are attached when they arrive.
func (in *Intake) confirm(ctx context.Context, openID string) (Reply, error) {
	return in.editDraft(ctx, openID, func(d *draft) (Reply, error) {
		if d.Filed != "" {
			return Reply{Text: fmt.Sprintf(textAlreadyFiled, d.Filed)}, nil
		}
		if !d.complete() {
			return in.nextStep(d), nil
		}
		res, err := in.svc.Submit(ctx, Actor, in.complaint(openID, d))
		if err != nil {
			return in.refused(err)
		}
		if err := in.attachLate(ctx, res.Case, d.storedMedia()); err != nil {
			return Reply{}, err
		}
		d.Filed = res.Case.Number
		return Reply{Text: in.filedText(res.Case, d)}, nil
	})
}

// attachLate adds to a case the draft's photos it lacks: a download recorded on the draft while
// an earlier try of this 确认 was filing it (the try lost the draft's compare-and-set, the case
// stands, and this try found it by its external id).
func (in *Intake) attachLate(ctx context.Context, c *dispatcher.Case, stored []string) error {
	var missing []string
	for _, h := range stored {
		if !slices.Contains(c.Media, h) {
			missing = append(missing, h)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	res, err := in.svc.Act(ctx, Actor, c.ID, dispatcher.ActionRequest{Action: dispatcher.ActNote,
		Text: "市民通过微信公众号补充的照片/视频", Media: missing})
	if err == nil {
		*c = *res.Case
	}
	return err
}

func (in *Intake) complaint(openID string, d *draft) dispatcher.Complaint {
	return dispatcher.Complaint{Channel: dispatcher.ChannelWeChat, Nature: "complaint", Category: d.Category,
		Text: truncateRunes(d.text(), dispatcher.MaxTextRunes), Location: *d.Location,
		Reporter: dispatcher.Contact{OpenID: openID}, Media: d.storedMedia(), ExternalID: externalID(openID, d.ID)}
}

// refused turns a refusal of the service into words for the citizen; a failure of the hub itself
// is returned, so that WeChat retries and the citizen's 确认 is not lost.
func (in *Intake) refused(err error) (Reply, error) {
	switch dispatcher.ErrorCode(err) {
	case dispatcher.EInvalid, dispatcher.EOutside, dispatcher.EForbidden, dispatcher.ETooLarge:
		in.log.Info("wechat: report refused", "err", err)
		return Reply{Text: "未能提交：" + dispatcher.ErrorMessage(err)}, nil
	}
	return Reply{}, err
}

func (in *Intake) filedText(c *dispatcher.Case, d *draft) string {
	text := fmt.Sprintf(textFiled, c.Number)
	if unit, ok := in.svc.Unit(c.Routing.Unit); ok && c.Routing.Unit != "" {
		text += fmt.Sprintf("\n已转%s办理。", unit.Name)
	}
	if n := d.pendingPhotos(); n > 0 {
		text += fmt.Sprintf("\n还有 %d 个照片/视频正在接收，收到后将附入案件。", n)
	}
	return text
}

// onMedia queues the download of a photo or video (WeChat keeps it three days): the citizen's
// answer never waits for WeChat's API. After filing, it is added to the filed case.
func (in *Intake) onMedia(ctx context.Context, m *Message) (Reply, error) {
	if m.MediaID == "" {
		return Reply{Text: textUnsupported}, nil
	}
	if in.opt.API == nil {
		return Reply{Text: textNoPhotos}, nil
	}
	var draftID int64
	var filed string
	taken := false
	reply, err := in.editDraft(ctx, m.FromUserName, func(d *draft) (Reply, error) {
		draftID, filed, taken = d.ID, d.Filed, false
		if len(d.Photos) >= maxPhotos {
			return Reply{Text: fmt.Sprintf("每次举报最多 %d 个照片/视频，这个没有收下。", maxPhotos)}, nil
		}
		taken = true
		if !hasPhoto(d.Photos, m.MediaID) {
			d.Photos = append(d.Photos, photo{MediaID: m.MediaID})
		}
		if d.Filed != "" {
			return Reply{Text: fmt.Sprintf("已收到，将附入案件 %s。", d.Filed)}, nil
		}
		return in.nextStep(d), nil
	})
	if err != nil || !taken {
		return reply, err
	}
	return reply, in.queueDownload(ctx, m.FromUserName, draftID, m.MediaID, filed)
}

const maxPhotos = 9

func hasPhoto(ps []photo, mediaID string) bool {
	for _, p := range ps {
		if p.MediaID == mediaID {
			return true
		}
	}
	return false
}

// touch records that the citizen wrote now: the 48-hour window in which notices go as
// customer-service messages. It writes at most once an hour per citizen (a read otherwise): the
// window it keeps then ends up to an hour early, which only sends a template a little sooner.
func (in *Intake) touch(ctx context.Context, openID string) {
	key := "wechat:seen:" + openID
	e, err := in.opt.KV.KVGet(ctx, key)
	if err != nil && dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		return
	}
	var last time.Time
	if err == nil && last.UnmarshalText(e.Value) == nil && in.now().Sub(last) < time.Hour {
		return
	}
	at, _ := in.now().MarshalText()
	_, _ = in.opt.KV.KVPut(ctx, key, at, e.Rev, ServiceWindow) // a lost race was a write just as new
}

// inServiceWindow reports whether the citizen wrote within the last 48 hours.
func (in *Intake) inServiceWindow(ctx context.Context, openID string) bool {
	_, err := in.opt.KV.KVGet(ctx, "wechat:seen:"+openID)
	return err == nil
}
