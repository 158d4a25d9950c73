package webform

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"cityhub/dispatcher"
	"cityhub/media"
)

// MaxPhotos is the most photos one report carries.
const MaxPhotos = 4

// maxFields bounds the text fields of a report, all together.
const maxFields = 64 << 10

var (
	mobileRe   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	clientIDRe = regexp.MustCompile(`^[A-Za-z0-9-]{8,64}$`)
)

// form is a report as the page sends it.
type form struct {
	values map[string]string
	photos [][]byte
	types  []string
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	f, err := h.readForm(w, r)
	if err != nil {
		fail(w, err)
		return
	}
	if err := h.admit(r.Context(), h.clientAddr(r), f.values["pow_challenge"], f.values["pow_nonce"]); err != nil {
		answerRefusal(w, err)
		return
	}
	cmp, err := h.complaint(f)
	if err != nil {
		fail(w, err)
		return
	}
	l := h.opt.Limits
	if ok, retry := h.allow(r.Context(), "web:phone:"+cmp.Reporter.Phone, l.PerPhone, l.PhoneWindow); !ok {
		tooMany{msg: "该手机号提交过于频繁，请稍后再试 (too many reports from this phone number)", retry: retry}.write(w)
		return
	}
	if cmp.Media, err = h.storePhotos(r.Context(), f, &cmp); err != nil {
		fail(w, err)
		return
	}
	if err := h.locate(&cmp); err != nil {
		fail(w, err)
		return
	}
	res, err := h.svc.Submit(r.Context(), Actor, cmp)
	if err != nil {
		fail(w, err)
		return
	}
	status := http.StatusCreated
	if res.Joined || res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"number": res.Case.Number, "joined": res.Joined, "reporters": res.Case.ReporterCount(),
		"public": res.Case.IsPublic()})
}

func answerRefusal(w http.ResponseWriter, err error) {
	var t tooMany
	if errors.As(err, &t) {
		t.write(w)
		return
	}
	fail(w, err)
}

// readForm reads the multipart body: the text fields and up to MaxPhotos photos.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	limits := h.opt.MediaLimits
	r.Body = http.MaxBytesReader(w, r.Body, maxFields+MaxPhotos*limits.For(media.JPEG)+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, dispatcher.FieldError("body", "请求须为 multipart/form-data (the body must be multipart/form-data)")
	}
	f := &form{values: map[string]string{}}
	size := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return nil, readError(err)
		}
		if part.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(part, maxFields+1))
			if size += len(v); err != nil || size > maxFields {
				return nil, readError(err)
			}
			f.values[part.FormName()] = string(v)
			continue
		}
		if err := f.addPhoto(part, limits); err != nil {
			return nil, err
		}
	}
}

func (f *form) addPhoto(part io.Reader, limits media.Limits) error {
	if len(f.photos) == MaxPhotos {
		return dispatcher.FieldError("photo", "最多上传 %d 张照片 (at most %d photos)", MaxPhotos, MaxPhotos)
	}
	data, typ, err := media.Read(part, limits, "photo")
	if _, refused := err.(*dispatcher.Error); err != nil && !refused {
		return readError(err)
	}
	if err != nil || media.IsVideo(typ) {
		if dispatcher.ErrorCode(err) == dispatcher.ETooLarge {
			return err
		}
		return dispatcher.FieldError("photo", "只能上传 JPEG、PNG 或 WebP 照片 (only JPEG, PNG or WebP photos)")
	}
	f.photos, f.types = append(f.photos, data), append(f.types, typ)
	return nil
}

func readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || err == nil {
		return &dispatcher.Error{Code: dispatcher.ETooLarge, Field: "body", Message: "提交内容过大 (the report is too large)"}
	}
	return dispatcher.FieldError("body", "提交内容读取失败，请重试 (the report could not be read; try again)")
}

// complaint checks the fields and makes the report of them (the place may still come from a photo).
func (h *Handler) complaint(f *form) (dispatcher.Complaint, error) {
	v := f.values
	phone := strings.TrimSpace(v["phone"])
	if !mobileRe.MatchString(phone) {
		return dispatcher.Complaint{}, dispatcher.FieldError("phone", "请填写 11 位手机号，用于查询进度和通知办理结果 (a mainland mobile number is required)")
	}
	text := strings.TrimSpace(v["text"])
	if text == "" || !utf8.ValidString(text) {
		return dispatcher.Complaint{}, dispatcher.FieldError("text", "请描述问题 (describe the problem)")
	}
	if id := v["client_id"]; id != "" && !clientIDRe.MatchString(id) {
		return dispatcher.Complaint{}, dispatcher.FieldError("client_id", "client_id 格式不正确 (malformed client_id)")
	}
	cmp := dispatcher.Complaint{Channel: dispatcher.ChannelWeb, Nature: "complaint", Category: v["category"], Text: text,
		Reporter: dispatcher.Contact{Phone: phone}, NonPublic: v["public"] != "1", JoinCase: strings.TrimSpace(v["join_case"]),
		ExternalID: v["client_id"]}
	if v["lat"] != "" || v["lng"] != "" {
		p, err := point(v["lat"], v["lng"])
		if err != nil {
			return dispatcher.Complaint{}, err
		}
		cmp.Location = dispatcher.Location{Point: p, Original: p, Datum: dispatcher.WGS84, Address: strings.TrimSpace(v["address"])}
	}
	if err := h.svc.Validate(&dispatcher.Complaint{Channel: cmp.Channel, Nature: cmp.Nature, Category: cmp.Category,
		Text: cmp.Text, Location: dispatcher.Location{Point: dispatcher.Point{Lat: 29, Lng: 106.6}}}); err != nil {
		return dispatcher.Complaint{}, err // the category and the text; the place is checked when known
	}
	return cmp, nil
}

// storePhotos keeps the photos as the hub keeps every upload (the original for the command
// centre, a copy stripped of EXIF and every other metadata for everyone else); a photo's
// position is taken when the citizen gave none.
func (h *Handler) storePhotos(ctx context.Context, f *form, cmp *dispatcher.Complaint) ([]string, error) {
	var hashes []string
	for i, data := range f.photos {
		up, err := h.process(ctx, data, f.types[i])
		if err != nil {
			return nil, err
		}
		rec, err := h.svc.PutMedia(ctx, Actor, up.Media, up.Content)
		if err != nil {
			return nil, err
		}
		if cmp.Location.Point == (dispatcher.Point{}) && rec.GPS != nil {
			cmp.Location = dispatcher.Location{Point: *rec.GPS, Original: *rec.GPS, Datum: dispatcher.WGS84,
				Address: strings.TrimSpace(f.values["address"])}
		}
		hashes = append(hashes, rec.SHA256)
	}
	return hashes, nil
}

func (h *Handler) process(ctx context.Context, data []byte, typ string) (*media.Upload, error) {
	select {
	case h.decoding <- struct{}{}:
		defer func() { <-h.decoding }()
	case <-ctx.Done():
		return nil, dispatcher.Errorf(dispatcher.EUnavailable, "提交已取消 (cancelled)")
	}
	up, err := media.Process(data, typ)
	if err != nil {
		return nil, &dispatcher.Error{Code: dispatcher.ErrorCode(err), Field: "photo", Message: dispatcher.ErrorMessage(err)}
	}
	return up, nil
}

// locate refuses a report that has no place yet: neither picked nor in a photo.
func (h *Handler) locate(cmp *dispatcher.Complaint) error {
	if cmp.Location.Point == (dispatcher.Point{}) {
		return dispatcher.FieldError("lat", "请在地图上选择位置，或使用定位 (pick the place on the map or use your position)")
	}
	return nil
}

// point reads a WGS-84 position.
func point(latS, lngS string) (dispatcher.Point, error) {
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(latS), 64)
	lng, err2 := strconv.ParseFloat(strings.TrimSpace(lngS), 64)
	if err1 != nil || err2 != nil {
		return dispatcher.Point{}, dispatcher.FieldError("lat", "位置无效 (lat and lng must be numbers)")
	}
	p := dispatcher.Point{Lat: lat, Lng: lng}
	return p, dispatcher.ValidatePoint(p)
}
