package open311

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityhub/dispatcher"
	"cityhub/media"
	"cityhub/web/httperr"
	"cityhub/web/proxy"
)

// Options configures the endpoint.
type Options struct {
	// PublicURL is the root URL the public reaches the hub at (--public-url, e.g.
	// https://hub.example.cn, possibly with a path prefix); the handler is mounted at DefaultMount
	// under it. Discovery lists PublicURL + DefaultMount and created requests get a Location under
	// it. When empty, the root is taken from each request: its Host, or what a trusted proxy
	// reports in X-Forwarded-Proto and X-Forwarded-Host (see web/proxy).
	PublicURL string
	// Proxies are the reverse proxies whose X-Forwarded-* headers are believed.
	Proxies proxy.Trusted
	// Logger receives accepted reports and internal errors; slog.Default() when nil.
	Logger *slog.Logger
	// MaxBodyBytes caps a POST body; DefaultMaxBodyBytes when 0 or less.
	MaxBodyBytes int64
	// Contact and KeyService are the discovery document's texts; both have defaults.
	Contact    string
	KeyService string
	// Changeset is when this endpoint's description last changed; DefaultChangeset when zero.
	Changeset time.Time
	// EndpointType is the discovery endpoint type, "production" (default) or "test".
	EndpointType string
	// Channel, when set (e.g. dispatcher.ChannelOpen311), limits GET Service Request(s) to the cases
	// that came in through that channel. Empty: every case is public through this endpoint.
	Channel string
	// Limiter and PostsPerMinute cap each api key's reports (shared between instances when the
	// Limiter is Redis). PostsPerMinute 0 means no cap.
	Limiter        dispatcher.Limiter
	PostsPerMinute int
	// MediaLimits bound the photos and videos a POST uploads (zero: media's defaults).
	MediaLimits media.Limits
	// Decoders is how many uploaded photos are decoded at once (0: one).
	Decoders int
}

// DefaultMaxBodyBytes is enough for a 4,000-character Chinese description percent-encoded (36 KB)
// and every other field.
const DefaultMaxBodyBytes = 64 << 10

// DefaultChangeset is the date this endpoint's description last changed.
var DefaultChangeset = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Specification is the GeoReport v2 specification's URL, as discovery names it.
const Specification = "http://wiki.open311.org/GeoReport_v2"

// DefaultMount is where the web server mounts the handler.
const DefaultMount = "/open311/v2"

// Routes are the endpoint's routes, "METHOD /path" under the mount, {format} standing for xml
// or json (HEAD and OPTIONS are answered wherever GET is). The OpenAPI document describes each.
var Routes = []string{
	"GET /discovery.{format}",
	"GET /services.{format}",
	"GET /services/{service_code}.{format}",
	"GET /requests.{format}",
	"POST /requests.{format}",
	"GET /requests/{service_request_id}.{format}",
	"GET /servicerequestupdates.{format}",
	"POST /servicerequestupdates.{format}",
}

// MediaRoute serves the photos of public requests (media.go); it answers images, not XML or JSON.
const MediaRoute = "GET /media/{sha256}.jpg"

type handler struct {
	svc      *dispatcher.Service
	opts     Options
	log      *slog.Logger
	decoding chan struct{} // a slot per photo being decoded
}

// NewHandler returns the Open311 GeoReport v2 handler. It serves paths relative to its mount point:
// mount it with http.StripPrefix("/open311/v2", h) under "/open311/v2/".
func NewHandler(svc *dispatcher.Service, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Changeset.IsZero() {
		opts.Changeset = DefaultChangeset
	}
	if opts.EndpointType == "" {
		opts.EndpointType = "production"
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	return &handler{svc: svc, opts: opts, log: opts.Logger, decoding: make(chan struct{}, max(opts.Decoders, 1))}
}

// reader is who reads cases for an Open311 client: the system, which sees every case. Nothing the
// reader may see beyond the public fields is ever written out.
var reader = dispatcher.Actor{Login: "open311", Name: "Open311", Role: dispatcher.System, Unit: dispatcher.CommandCentre}

// route is one resource of the API.
type route int

const (
	routeDiscovery route = iota
	routeServices
	routeService
	routeRequests
	routeRequest
	routeUpdates
)

// parsePath splits a path relative to the mount into its route, format and argument. ok is false
// for an unknown path; format is then the best guess for the error's format.
func parsePath(p string) (rt route, format, arg string, ok bool) {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	last := segs[len(segs)-1]
	name, ext := last, ""
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		name, ext = last[:i], last[i+1:]
	}
	format = formatXML
	if ext == formatJSON {
		format = formatJSON
	}
	if !strings.HasPrefix(p, "/") || name == "" || (ext != formatXML && ext != formatJSON) {
		return 0, format, "", false
	}
	switch {
	case len(segs) == 1 && name == "discovery":
		return routeDiscovery, format, "", true
	case len(segs) == 1 && name == "services":
		return routeServices, format, "", true
	case len(segs) == 1 && name == "requests":
		return routeRequests, format, "", true
	case len(segs) == 1 && name == "servicerequestupdates":
		return routeUpdates, format, "", true
	case len(segs) == 2 && segs[0] == "services":
		return routeService, format, name, true
	case len(segs) == 2 && segs[0] == "requests":
		return routeRequest, format, name, true
	}
	return 0, format, "", false
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, mediaPath) {
		h.serveMedia(w, r)
		return
	}
	rt, format, arg, ok := parsePath(r.URL.Path)
	if !ok {
		h.fail(w, format, dispatcher.Errorf(dispatcher.ENotFound,
			"没有这个资源 (no such resource: %s; paths end in .xml or .json, e.g. /services.xml)", r.URL.Path))
		return
	}
	allow := "GET, HEAD, OPTIONS"
	if rt == routeRequests || rt == routeUpdates {
		allow = "GET, HEAD, POST, OPTIONS"
	}
	switch {
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", allow)
		w.WriteHeader(http.StatusNoContent)
		return
	case r.Method == http.MethodPost && rt == routeRequests:
		h.postRequest(w, r, format)
		return
	case r.Method == http.MethodPost && rt == routeUpdates:
		h.postUpdate(w, r, format)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", allow)
		h.writeError(w, format, http.StatusMethodNotAllowed,
			fmt.Sprintf("不支持的请求方法 %s (method %s not allowed; allowed: %s)", r.Method, r.Method, allow))
		return
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.fail(w, format, dispatcher.Errorf(dispatcher.EInvalid, "查询参数格式错误 (malformed query string)"))
		return
	}
	switch rt {
	case routeDiscovery:
		h.discovery(w, r, format, values)
	case routeServices:
		h.services(w, format, values)
	case routeService:
		h.serviceDefinition(w, format, values, arg)
	case routeRequests:
		h.getRequests(r.Context(), w, format, values, h.baseURL(r))
	case routeRequest:
		h.getRequest(r.Context(), w, format, values, arg, h.baseURL(r))
	case routeUpdates:
		h.getUpdates(r.Context(), w, format, values)
	}
}

// checkJurisdiction accepts no jurisdiction_id or the district's own.
func (h *handler) checkJurisdiction(values url.Values) error {
	j, err := form{values: values}.line("jurisdiction_id", maxCodeLen)
	if err != nil {
		return err
	}
	if district := h.svc.Reference().District; j != "" && j != district {
		return &dispatcher.Error{Code: dispatcher.ENotFound, Field: "jurisdiction_id",
			Message: fmt.Sprintf("未知的辖区 %q (jurisdiction_id %q not found; this endpoint serves %q)", j, j, district)}
	}
	return nil
}

// baseURL is the public URL of the mount, for the links the endpoint hands out: a client must be
// able to follow them, so they are built from what the client used (or the bureau configured),
// never from the address the hub listens on.
func (h *handler) baseURL(r *http.Request) string {
	return h.opts.Proxies.PublicURL(r, h.opts.PublicURL) + DefaultMount
}

func (h *handler) discovery(w http.ResponseWriter, r *http.Request, format string, values url.Values) {
	if err := h.checkJurisdiction(values); err != nil {
		h.fail(w, format, err)
		return
	}
	ref := h.svc.Reference()
	contact := h.opts.Contact
	if contact == "" {
		contact = ref.Authority + " " + h.unitName(dispatcher.CommandCentre)
	}
	keyService := h.opts.KeyService
	if keyService == "" {
		keyService = "api_key 由" + h.unitName(dispatcher.CommandCentre) + "发放 (api keys are issued by the command centre on request)"
	}
	changeset := h.opts.Changeset.In(h.svc.Calendar().Location()).Format(time.RFC3339)
	h.write(w, format, http.StatusOK, Discovery{
		Changeset: changeset, Contact: contact, KeyService: keyService,
		Endpoints: []Endpoint{{Specification: Specification, URL: h.baseURL(r), Changeset: changeset,
			Type: h.opts.EndpointType, Formats: []string{"text/xml", "application/json"}}},
	})
}

// ServiceOf is the Open311 service of a catalogue item.
func ServiceOf(c dispatcher.Category) Service {
	return Service{ServiceCode: c.Code, ServiceName: c.Name, Description: c.NameEn, Metadata: false,
		Type: "realtime", Keywords: strings.Join(c.Aka, ", "), Group: c.GroupName}
}

func (h *handler) services(w http.ResponseWriter, format string, values url.Values) {
	if err := h.checkJurisdiction(values); err != nil {
		h.fail(w, format, err)
		return
	}
	list := []Service{}
	for _, c := range h.svc.Reference().Catalogue.Categories() {
		list = append(list, ServiceOf(c))
	}
	if format == formatJSON {
		h.write(w, format, http.StatusOK, list)
		return
	}
	h.write(w, format, http.StatusOK, servicesXML{Services: list})
}

func (h *handler) serviceDefinition(w http.ResponseWriter, format string, values url.Values, code string) {
	if err := h.checkJurisdiction(values); err != nil {
		h.fail(w, format, err)
		return
	}
	if _, ok := h.svc.Category(code); !ok {
		h.fail(w, format, &dispatcher.Error{Code: dispatcher.ENotFound, Field: "service_code",
			Message: fmt.Sprintf("未知的事件类别 %q (service_code %q not found)", code, code)})
		return
	}
	if format == formatJSON {
		h.write(w, format, http.StatusOK, ServiceDefinition{ServiceCode: code, Attributes: []Attribute{}})
		return
	}
	h.write(w, format, http.StatusOK, serviceDefinitionXML{ServiceCode: code})
}

// readForm reads a POST body (form-encoded, or multipart with files; capped) and merges the query
// string into it.
func (h *handler) readForm(w http.ResponseWriter, r *http.Request) (url.Values, []upload, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "multipart/form-data" {
		values, files, err := h.readMultipart(w, r)
		if err != nil {
			return nil, nil, err
		}
		return values, files, mergeQuery(values, r)
	}
	if ct == "" || err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, nil, errUnsupported
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, nil, errUnsupported
	}
	values, err := h.readURLEncoded(w, r)
	if err != nil {
		return nil, nil, err
	}
	return values, nil, mergeQuery(values, r)
}

// readURLEncoded reads an application/x-www-form-urlencoded body.
func (h *handler) readURLEncoded(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errTooLarge{limit: tooBig.Limit}
		}
		return nil, dispatcher.Errorf(dispatcher.EInvalid, "请求体读取失败 (the request body could not be read)")
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, dispatcher.Errorf(dispatcher.EInvalid, "表单格式错误 (malformed form body: expected application/x-www-form-urlencoded)")
	}
	return values, nil
}

// mergeQuery adds the query string's parameters to the form's.
func mergeQuery(values url.Values, r *http.Request) error {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return dispatcher.Errorf(dispatcher.EInvalid, "查询参数格式错误 (malformed query string)")
	}
	for k, vs := range query {
		values[k] = append(values[k], vs...)
	}
	return nil
}

var errUnsupported = errors.New("unsupported media type")

// formRead answers a POST whose body could not be read: 415, 413 or the error's own status. It
// reports whether the form was read.
func (h *handler) formRead(w http.ResponseWriter, format string, err error) bool {
	var tooBig errTooLarge
	switch {
	case errors.Is(err, errUnsupported):
		h.writeError(w, format, http.StatusUnsupportedMediaType,
			"请求体须为表单编码或 multipart/form-data (Content-Type must be application/x-www-form-urlencoded; charset=utf-8, or multipart/form-data)")
	case errors.As(err, &tooBig):
		h.writeError(w, format, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("请求体过大 (the request body exceeds %d bytes)", tooBig.limit))
	case err != nil:
		h.fail(w, format, err)
	}
	return err == nil
}

type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string { return "request body too large" }

func (h *handler) postRequest(w http.ResponseWriter, r *http.Request, format string) {
	values, files, err := h.readForm(w, r)
	if !h.formRead(w, format, err) {
		return
	}
	if err := h.checkJurisdiction(values); err != nil {
		h.fail(w, format, err)
		return
	}
	// Authenticate before looking at the rest: a stranger learns nothing about the form's rules.
	var key *dispatcher.APIKey
	if ks := values["api_key"]; len(ks) <= 1 {
		k := ""
		if len(ks) == 1 {
			k = strings.TrimSpace(ks[0])
		}
		if key, err = h.svc.CheckAPIKey(r.Context(), k); err != nil {
			h.fail(w, format, err)
			return
		}
	}
	req, err := ParseRequestForm(values)
	if err != nil {
		h.fail(w, format, err)
		return
	}
	if key == nil { // unreachable: ParseRequestForm refuses a repeated api_key
		h.fail(w, format, keyError("invalid api_key"))
		return
	}
	if _, ok := h.svc.Category(req.ServiceCode); !ok {
		h.fail(w, format, unknownService(req.ServiceCode))
		return
	}
	if !h.allowPost(w, r, format, key) {
		return
	}
	actor := dispatcher.Actor{Login: "open311:" + key.Name, Name: key.Name, Role: dispatcher.System,
		Unit: dispatcher.CommandCentre}
	photos, err := h.storeUploads(r.Context(), actor, files)
	if err != nil {
		h.fail(w, format, err)
		return
	}
	cmp := dispatcher.Complaint{
		Channel: dispatcher.ChannelOpen311, Nature: "complaint", Category: req.ServiceCode,
		Text: req.Description,
		Location: dispatcher.Location{Point: req.Point, Original: req.Point, Datum: dispatcher.WGS84,
			Address: req.AddressString},
		Reporter:  dispatcher.Contact{Name: req.ReporterName(), Phone: req.Phone, Email: req.Email},
		NonPublic: req.NonPublic, APIKey: key.ID(),
	}
	cmp.Media = photos
	if req.MediaURL != "" {
		cmp.Media = append(cmp.Media, req.MediaURL)
	}
	res, err := h.svc.Submit(r.Context(), actor, cmp)
	if err != nil {
		h.fail(w, format, err)
		return
	}
	c := res.Case
	h.log.Info("open311 request accepted", "number", c.Number, "api_key", key.Name,
		"service_code", c.Category, "state", c.State, "unit", h.agencyCode(c))
	w.Header().Set("Location", h.baseURL(r)+"/requests/"+url.PathEscape(c.Number)+"."+format)
	notice := h.notice(c)
	if format == formatJSON {
		h.write(w, format, http.StatusCreated, []Created{{ServiceRequestID: c.Number, ServiceNotice: ptr(notice)}})
		return
	}
	h.write(w, format, http.StatusCreated, serviceRequestsXML{Requests: []any{
		createdXML{ServiceRequestID: c.Number, ServiceNotice: notice}}})
}

func (h *handler) getRequests(ctx context.Context, w http.ResponseWriter, format string, values url.Values, base string) {
	q, err := ParseRequestsQuery(values, h.svc.Now())
	if err == nil {
		err = h.checkJurisdiction(values)
	}
	for _, code := range q.ServiceCodes {
		if _, ok := h.svc.Category(code); !ok && err == nil {
			err = dispatcher.FieldError("service_code", "未知的事件类别 %q (unknown service_code)", code)
		}
	}
	var keyID string
	if err == nil {
		keyID, err = h.readerKey(ctx, values)
	}
	if err != nil {
		h.fail(w, format, err)
		return
	}
	f := q.Filter()
	f.Channel = h.opts.Channel
	f.Published, f.APIKey = true, keyID
	page, err := h.svc.Cases(ctx, reader, f)
	if err != nil {
		h.fail(w, format, err)
		return
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(page.Total))
	h.writeRequests(ctx, w, format, base, page.Cases, q.Extensions)
}

func (h *handler) getRequest(ctx context.Context, w http.ResponseWriter, format string, values url.Values, id, base string) {
	extensions, err := form{values: values}.boolean("extensions")
	if err == nil {
		err = h.checkJurisdiction(values)
	}
	if err != nil {
		h.fail(w, format, err)
		return
	}
	keyID, err := h.readerKey(ctx, values)
	if err != nil {
		h.fail(w, format, err)
		return
	}
	// One answer for a number that does not exist and one the client may not read: the same
	// status and the same text, so that no one learns which private numbers exist.
	notFound := &dispatcher.Error{Code: dispatcher.ENotFound, Field: "service_request_id",
		Message: fmt.Sprintf("请求 %q 不存在 (service_request_id %q not found)", id, id)}
	if len(id) > maxCodeLen || !codeRe.MatchString(id) {
		h.fail(w, format, notFound)
		return
	}
	c, err := h.svc.CaseByNumber(ctx, reader, id)
	if dispatcher.ErrorCode(err) == dispatcher.ENotFound || (err == nil && !h.readable(c, keyID)) {
		h.fail(w, format, notFound)
		return
	}
	if err != nil {
		h.fail(w, format, err)
		return
	}
	h.writeRequests(ctx, w, format, base, []*dispatcher.Case{c}, extensions)
}

// fail answers with err as the specification's error list.
// allowPost applies the per-key cap; over it, the client gets 429 with Retry-After.
func (h *handler) allowPost(w http.ResponseWriter, r *http.Request, format string, key *dispatcher.APIKey) bool {
	if h.opts.Limiter == nil || h.opts.PostsPerMinute <= 0 {
		return true
	}
	ok, retry, err := h.opts.Limiter.Allow(r.Context(), "open311:"+key.Hash, h.opts.PostsPerMinute, time.Minute)
	if err != nil {
		h.log.Warn("open311 rate limiter unavailable; allowing", "err", err)
	}
	if ok || err != nil {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
	h.writeError(w, format, http.StatusTooManyRequests,
		fmt.Sprintf("api_key 请求过于频繁，请 %d 秒后重试 (too many requests for this api_key: at most %d per minute)", int(retry.Seconds())+1, h.opts.PostsPerMinute))
	return false
}

func (h *handler) fail(w http.ResponseWriter, format string, err error) {
	status := httperr.Status(err)
	if status == http.StatusUnauthorized {
		status = http.StatusForbidden // Open311 has no 401: a bad api_key is 403
	}
	switch {
	case status == http.StatusServiceUnavailable:
		// A dependency is down: /healthz and the store's own log say so; the client retries.
		w.Header().Set("Retry-After", "2")
		h.log.Debug("open311: request refused while a dependency is down", "err", err)
	case status >= 500:
		h.log.Error("open311: request failed", "err", err)
	}
	field := openField(dispatcher.ErrorField(err))
	if field == "" && dispatcher.ErrorCode(err) == dispatcher.EOutside {
		field = "lat/long"
	}
	h.writeError(w, format, status, describe(field, dispatcher.ErrorMessage(err)))
}

func (h *handler) writeError(w http.ResponseWriter, format string, status int, description string) {
	h.write(w, format, status, errorList(format, status, description))
}

// openField renames the domain's fields to the Open311 parameters they came from.
func openField(field string) string {
	switch field {
	case "category":
		return "service_code"
	case "text":
		return "description"
	case "lng":
		return "long"
	}
	return field
}
