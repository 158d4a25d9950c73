// Package wechat connects a WeChat Official Account (微信公众号) to the hub: the webhook that
// receives citizens' messages, the conversation that turns them into cases, and the client of the
// WeChat API that answers them (api.go).
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// The client of the WeChat API.
//
// Every call needs an access token, which WeChat hands out at most 2,000 times a day per account
// and which stays valid for expires_in (7,200 s); fetching a new one invalidates the old one after
// a few minutes. So the token is shared by every hub instance through the KV
// ("wechat:token:<appid>"), kept until 5 minutes before it expires, and only one instance
// refreshes it at a time: it claims "wechat:token-lock:<appid>" (a short TTL, so that a crashed
// instance does not block the others); the others poll the cache for up to tokenWait and then
// fetch a token themselves rather than fail the call. A call answered with an errcode that says
// the token is bad (40001, 40014, 42001) drops the cached token, if it is still the one the call
// used, and is made once more with a fresh one.
//
// The secret and the tokens travel only in query strings; errors of the HTTP client, which quote
// the URL, are rewritten without it, so neither ever reaches a log.

const (
	// MaxMediaSize bounds DownloadMedia (WeChat's own limit for images is 10 MB).
	MaxMediaSize = 10 << 20

	tokenMargin  = 5 * time.Minute       // a cached token is dropped this long before it expires
	tokenLockTTL = 10 * time.Second      // the refresh lock outlives any token fetch
	tokenWait    = 3 * time.Second       // how long an instance waits for another's refresh
	tokenPoll    = 50 * time.Millisecond // how often it looks meanwhile
	maxJSONReply = 1 << 20               // an API answer in JSON is small
	httpTimeout  = 10 * time.Second      // of the default HTTP client
)

// Client calls the WeChat API for one official account. It is safe for concurrent use.
type Client struct {
	base, appID, secret string
	kv                  dispatcher.KV
	hc                  *http.Client
	now                 func() time.Time
	log                 *slog.Logger
}

// NewClient returns a client of the API at base (DefaultAPI when ""), sharing its access token
// through kv. hc may be nil (a client with a 10 s timeout); now may be nil (time.Now): it judges
// whether the cached token is still good.
func NewClient(base, appID, secret string, kv dispatcher.KV, hc *http.Client, now func() time.Time) *Client {
	if base == "" {
		base = DefaultAPI
	}
	if hc == nil {
		hc = &http.Client{Timeout: httpTimeout}
	}
	if now == nil {
		now = time.Now
	}
	return &Client{base: strings.TrimRight(base, "/"), appID: appID, secret: secret, kv: kv, hc: hc, now: now,
		log: slog.Default().With("component", "wechat-api", "appid", appID)}
}

// APIError is an error answer of the WeChat API: its errcode and errmsg.
type APIError struct {
	Code    int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("微信接口返回错误 %d：%s (WeChat API error %d: %s)", e.Code, e.Message, e.Code, e.Message)
}

// Retryable reports whether the same call may succeed later: the system is busy (-1) or a rate
// limit was hit (45009 daily quota, 45011 per-minute quota). A bad request (40003 bad openid,
// 45015 outside the customer-service window...) fails again.
func (e *APIError) Retryable() bool {
	switch e.Code {
	case -1, 45009, 45011:
		return true
	}
	return false
}

// Retryable reports whether a call that failed with err may succeed later: a retryable APIError,
// an HTTP 5xx or 429 answer, or a network error (timeout, refused or broken connection).
func Retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable()
	}
	var he *httpError
	if errors.As(err, &he) {
		return he.status >= 500 || he.status == http.StatusTooManyRequests
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// OutsideServiceWindow reports whether err says that the citizen may not be sent a
// customer-service message now: 45015 (no message from them in the last 48 hours) or 45047 (too
// many messages since their last one). A template message may still reach them.
func OutsideServiceWindow(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == 45015 || ae.Code == 45047)
}

// tokenInvalid reports whether err says that the access token used is not (or no longer) valid.
func tokenInvalid(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == 40001 || ae.Code == 40014 || ae.Code == 42001)
}

// httpError is an answer with an unexpected HTTP status.
type httpError struct {
	status int
	path   string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("微信接口 %s 返回 HTTP %d (WeChat API %s answered HTTP %d)", e.path, e.status, e.path, e.status)
}

// apiStatus is the errcode and errmsg every JSON answer may carry.
type apiStatus struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (s apiStatus) err() error {
	if s.ErrCode == 0 {
		return nil
	}
	return &APIError{Code: s.ErrCode, Message: s.ErrMsg}
}

// cachedToken is the value at "wechat:token:<appid>".
type cachedToken struct {
	Token   string    `json:"token"`
	GoodTil time.Time `json:"good_til"` // expiry minus tokenMargin
}

func (c *Client) tokenKey() string { return "wechat:token:" + c.appID }
func (c *Client) lockKey() string  { return "wechat:token-lock:" + c.appID }

// AccessToken returns a valid access token: the cached one, or a new one.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	if tok, ok := c.cached(ctx); ok {
		return tok, nil
	}
	return c.refresh(ctx)
}

// cached returns the cached token if it is good at c.now().
func (c *Client) cached(ctx context.Context) (string, bool) {
	t, _, ok := c.cachedEntry(ctx)
	return t.Token, ok
}

func (c *Client) cachedEntry(ctx context.Context) (cachedToken, int64, bool) {
	e, err := c.kv.KVGet(ctx, c.tokenKey())
	if err != nil {
		if dispatcher.ErrorCode(err) != dispatcher.ENotFound {
			c.log.WarnContext(ctx, "wechat: the cached access token cannot be read", "err", err)
		}
		return cachedToken{}, 0, false
	}
	var t cachedToken
	if json.Unmarshal(e.Value, &t) != nil || t.Token == "" || !c.now().Before(t.GoodTil) {
		return cachedToken{}, e.Rev, false
	}
	return t, e.Rev, true
}

// refresh gets a new token, unless another instance is getting one: then it waits for that one.
func (c *Client) refresh(ctx context.Context) (string, error) {
	rev, err := c.kv.KVPut(ctx, c.lockKey(), []byte(c.now().UTC().Format(time.RFC3339Nano)), 0, tokenLockTTL)
	switch dispatcher.ErrorCode(err) {
	case "":
		defer c.unlock(rev)
		// Another instance may have stored a token between our look at the cache and our claim.
		if tok, ok := c.cached(ctx); ok {
			return tok, nil
		}
		return c.fetchToken(ctx)
	case dispatcher.EConflict:
		if tok, ok := c.awaitToken(ctx); ok {
			return tok, nil
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
		c.log.WarnContext(ctx, "wechat: another instance's token refresh takes too long; fetching one here")
	default:
		c.log.WarnContext(ctx, "wechat: the token refresh lock cannot be taken; fetching a token anyway", "err", err)
	}
	return c.fetchToken(ctx)
}

// unlock releases the refresh lock (if it still holds it; the TTL would otherwise).
func (c *Client) unlock(rev int64) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.kv.KVDelete(ctx, c.lockKey(), rev); err != nil && dispatcher.ErrorCode(err) != dispatcher.EConflict {
		c.log.Warn("wechat: the token refresh lock cannot be released", "err", err)
	}
}

// awaitToken polls the cache for up to tokenWait while another instance refreshes.
func (c *Client) awaitToken(ctx context.Context) (string, bool) {
	t := time.NewTicker(tokenPoll)
	defer t.Stop()
	deadline := time.After(tokenWait)
	for {
		select {
		case <-ctx.Done():
			return "", false
		case <-deadline:
			return "", false
		case <-t.C:
			if tok, ok := c.cached(ctx); ok {
				return tok, true
			}
		}
	}
}

// fetchToken asks WeChat for a new token and caches it.
func (c *Client) fetchToken(ctx context.Context) (string, error) {
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.appID}, "secret": {c.secret}}
	var ans struct {
		apiStatus
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := c.getJSON(ctx, "/cgi-bin/token", q, &ans); err != nil {
		return "", err
	}
	if err := ans.err(); err != nil {
		return "", err
	}
	if ans.AccessToken == "" || ans.ExpiresIn <= 0 {
		return "", fmt.Errorf("微信接口返回的 access_token 无效 (the WeChat API answered no usable access token)")
	}
	c.store(ctx, ans.AccessToken, time.Duration(ans.ExpiresIn)*time.Second)
	c.log.InfoContext(ctx, "wechat: new access token", "expires_in", ans.ExpiresIn)
	return ans.AccessToken, nil
}

// store caches a token valid for life. A failure costs only another fetch later: it is logged.
func (c *Client) store(ctx context.Context, tok string, life time.Duration) {
	keep := life - tokenMargin
	if keep <= 0 {
		keep = life / 2 // a token WeChat says is short-lived: keep half of its life
	}
	val, _ := json.Marshal(cachedToken{Token: tok, GoodTil: c.now().Add(keep)})
	_, rev, _ := c.cachedEntry(ctx)
	if _, err := c.kv.KVPut(ctx, c.tokenKey(), val, rev, keep); err != nil {
		c.log.WarnContext(ctx, "wechat: the access token cannot be cached", "err", err)
	}
}

// invalidate drops the cached token if it is still tok.
func (c *Client) invalidate(ctx context.Context, tok string) {
	t, rev, _ := c.cachedEntry(ctx)
	if rev == 0 || t.Token != tok {
		return
	}
	if err := c.kv.KVDelete(ctx, c.tokenKey(), rev); err != nil && dispatcher.ErrorCode(err) != dispatcher.EConflict {
		c.log.WarnContext(ctx, "wechat: the rejected access token cannot be dropped", "err", err)
	}
}

// withToken runs call with a token; if WeChat rejects the token, once more with a fresh one.
func (c *Client) withToken(ctx context.Context, call func(tok string) error) error {
	tok, err := c.AccessToken(ctx)
	if err != nil {
		return err
	}
	err = call(tok)
	if !tokenInvalid(err) {
		return err
	}
	c.log.InfoContext(ctx, "wechat: the access token was rejected; fetching a new one", "err", err)
	c.invalidate(ctx, tok)
	if tok, err = c.AccessToken(ctx); err != nil {
		return err
	}
	return call(tok)
}

// postJSON posts body to path with the token and decodes the answer's status.
func (c *Client) postJSON(ctx context.Context, path string, body any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // a template's url keeps its & as they are
	if err := enc.Encode(body); err != nil {
		return err
	}
	return c.withToken(ctx, func(tok string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(path, url.Values{"access_token": {tok}}),
			bytes.NewReader(buf.Bytes()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		var st apiStatus
		if err := c.doJSON(req, path, &st); err != nil {
			return err
		}
		return st.err()
	})
}

// getJSON gets path with query q and decodes the answer into out.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(path, q), nil)
	if err != nil {
		return err
	}
	return c.doJSON(req, path, out)
}

func (c *Client) url(path string, q url.Values) string { return c.base + path + "?" + q.Encode() }

// doJSON sends req and decodes its JSON answer into out.
func (c *Client) doJSON(req *http.Request, path string, out any) error {
	resp, err := c.send(req, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONReply))
	if err != nil {
		return redactURL(err, path)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("微信接口 %s 的应答无法解析 (the answer of WeChat API %s cannot be decoded): %w", path, path, err)
	}
	return nil
}

// send sends req; an answer other than 200 is an httpError.
func (c *Client) send(req *http.Request, path string) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, redactURL(err, path)
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxJSONReply))
		resp.Body.Close()
		return nil, &httpError{status: resp.StatusCode, path: path}
	}
	return resp, nil
}

// redactURL rewrites the *url.Error of the HTTP client with the path alone in place of the URL,
// whose query holds the secret or the token.
func redactURL(err error, path string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: path, Err: ue.Err}
	}
	return err
}

// DownloadMedia downloads a file a citizen sent (image, voice, video thumbnail) by its media id,
// refusing one larger than MaxMediaSize. It returns the bytes and their Content-Type.
func (c *Client) DownloadMedia(ctx context.Context, mediaID string) (data []byte, contentType string, err error) {
	err = c.withToken(ctx, func(tok string) error {
		data, contentType, err = c.downloadOnce(ctx, tok, mediaID)
		return err
	})
	return data, contentType, err
}

func (c *Client) downloadOnce(ctx context.Context, tok, mediaID string) ([]byte, string, error) {
	const path = "/cgi-bin/media/get"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.url(path, url.Values{"access_token": {tok}, "media_id": {mediaID}}), nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.send(req, path)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	ctype := resp.Header.Get("Content-Type")
	if isJSONAnswer(ctype) { // an error: WeChat answers errors in JSON, files in their own type
		var ans struct {
			apiStatus
			VideoURL string `json:"video_url"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONReply)).Decode(&ans); err != nil {
			return nil, "", fmt.Errorf("微信接口 %s 的应答无法解析 (the answer of WeChat API %s cannot be decoded): %w", path, path, err)
		}
		if err := ans.err(); err != nil {
			return nil, "", err
		}
		if ans.VideoURL != "" { // a video is answered with a link to it, without a token
			return c.downloadVideo(ctx, ans.VideoURL)
		}
		return nil, "", fmt.Errorf("微信接口 %s 未返回文件 (WeChat API %s answered no file)", path, path)
	}
	return readMedia(resp, path)
}

// downloadVideo fetches the video a media/get answer links to.
func (c *Client) downloadVideo(ctx context.Context, link string) ([]byte, string, error) {
	const path = "video_url"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, "", fmt.Errorf("微信视频链接无效 (the WeChat video link is invalid): %w", err)
	}
	resp, err := c.send(req, path)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	return readMedia(resp, path)
}

// readMedia reads a file's bytes, at most MaxMediaSize of them.
func readMedia(resp *http.Response, path string) ([]byte, string, error) {
	ctype := resp.Header.Get("Content-Type")
	if resp.ContentLength > MaxMediaSize {
		return nil, "", tooLarge(resp.ContentLength)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxMediaSize+1))
	if err != nil {
		return nil, "", redactURL(err, path)
	}
	if len(data) > MaxMediaSize {
		return nil, "", tooLarge(-1)
	}
	return data, ctype, nil
}

func tooLarge(size int64) error {
	if size < 0 {
		return fmt.Errorf("微信素材超过 %d MiB，拒绝下载 (the WeChat media file is larger than %d MiB; refused)",
			MaxMediaSize>>20, MaxMediaSize>>20)
	}
	return fmt.Errorf("微信素材 %d 字节，超过 %d MiB，拒绝下载 (the WeChat media file has %d bytes, more than %d MiB; refused)",
		size, MaxMediaSize>>20, size, MaxMediaSize>>20)
}

// isJSONAnswer reports whether a Content-Type is that of an API answer rather than of a file.
func isJSONAnswer(ctype string) bool {
	mt, _, _ := mime.ParseMediaType(ctype)
	return mt == "application/json" || mt == "text/plain" || mt == "text/json"
}

// SendText sends a customer-service text message (客服消息). WeChat accepts one only within 48
// hours of the citizen's last message: OutsideServiceWindow(err) tells when it refused for that.
func (c *Client) SendText(ctx context.Context, openID, text string) error {
	type content struct {
		Content string `json:"content"`
	}
	return c.postJSON(ctx, "/cgi-bin/message/custom/send", struct {
		ToUser  string  `json:"touser"`
		MsgType string  `json:"msgtype"`
		Text    content `json:"text"`
	}{openID, "text", content{text}})
}

// SendTemplate sends a template message (模板消息): templateID's fields set to data; url, if not
// empty, is opened when the citizen taps it.
func (c *Client) SendTemplate(ctx context.Context, openID, templateID, url string, data map[string]string) error {
	type value struct {
		Value string `json:"value"`
	}
	fields := make(map[string]value, len(data))
	for k, v := range data {
		fields[k] = value{v}
	}
	return c.postJSON(ctx, "/cgi-bin/message/template/send", struct {
		ToUser     string           `json:"touser"`
		TemplateID string           `json:"template_id"`
		URL        string           `json:"url,omitempty"`
		Data       map[string]value `json:"data"`
	}{openID, templateID, url, fields})
}
