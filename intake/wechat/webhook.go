package wechat

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"cityhub/dispatcher"
	"cityhub/web/httperr"
)

// MaxBodyBytes caps a POST body. WeChat's largest pushes (a link with a long description, a text
// of 2,048 characters, encrypted and base64-encoded) stay far below it.
const MaxBodyBytes = 256 << 10

// Webhook is the Official Account's server URL (服务器地址): GET answers WeChat's URL check, POST
// receives messages and events and answers them with the Responder's passive reply.
type Webhook struct {
	cfg       Config
	crypt     *crypter // nil in plaintext mode
	r         Responder
	kv        dispatcher.KV
	log       *slog.Logger
	now       func() time.Time
	pollEvery time.Duration // how often a duplicate looks whether the first delivery is done
	pollFor   time.Duration // how long it waits before answering "success"
}

// NewWebhook checks cfg (with defaults) and returns the handler. kv is where deliveries are
// claimed, shared by every instance so that WeChat's retries are answered once; log nil means
// slog.Default(), now nil means time.Now.
func NewWebhook(cfg Config, r Responder, kv dispatcher.KV, log *slog.Logger, now func() time.Time) (*Webhook, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if r == nil || kv == nil {
		return nil, errors.New("微信接口需要应答方和共享存储 (the WeChat webhook needs a Responder and a KV)")
	}
	if log == nil {
		log = slog.Default()
	}
	if now == nil {
		now = time.Now
	}
	w := &Webhook{cfg: cfg, r: r, kv: kv, log: log, now: now, pollEvery: 50 * time.Millisecond, pollFor: 4 * time.Second}
	if cfg.Mode != ModePlaintext {
		c, err := newCrypter(cfg.AESKey, cfg.AppID)
		if err != nil {
			return nil, err
		}
		w.crypt = c
	}
	return w, nil
}

// ServeHTTP answers GET (URL verification) and POST (messages).
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	switch req.Method {
	case http.MethodGet:
		w.verify(rw, req)
	case http.MethodPost:
		w.receive(rw, req)
	default:
		rw.Header().Set("Allow", "GET, POST")
		writeText(rw, http.StatusMethodNotAllowed, "仅接受 GET 与 POST (only GET and POST)")
	}
}

// verify is WeChat's URL check: the plain signature, then echostr back verbatim. It is the same
// in every mode (the Official Account's echostr is never encrypted).
func (w *Webhook) verify(rw http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	if err := w.checkSignature(q); err != nil {
		w.refuse(rw, req, err)
		return
	}
	echo := q.Get("echostr")
	if echo == "" {
		w.refuse(rw, req, invalid("缺少 echostr (echostr missing)"))
		return
	}
	writeText(rw, http.StatusOK, echo)
}

// receive authenticates a push, decodes it, has it answered once and writes the passive reply.
func (w *Webhook) receive(rw http.ResponseWriter, req *http.Request) {
	m, encrypted, err := w.open(rw, req)
	if err != nil {
		w.refuse(rw, req, err)
		return
	}
	reply, err := w.respondOnce(req.Context(), m)
	if err != nil {
		w.log.Error("wechat: message not handled; WeChat will retry", "key", redactKey(m), "err", err)
		writeText(rw, http.StatusInternalServerError, "暂时无法处理，请稍后重试 (could not handle the message now)")
		return
	}
	w.answer(rw, m, reply, encrypted)
}

// open reads, authenticates and decodes the POST. Every failure is a *dispatcher.Error whose code
// gives the status.
func (w *Webhook) open(rw http.ResponseWriter, req *http.Request) (*Message, bool, error) {
	q := req.URL.Query()
	encrypted, err := w.encrypted(q.Get("encrypt_type"))
	if err != nil {
		return nil, false, err
	}
	if !encrypted {
		// Only the URL is signed in plaintext mode: check it before reading anything else.
		if err := w.checkSignature(q); err != nil {
			return nil, false, err
		}
	}
	body, err := readBody(rw, req)
	if err != nil {
		return nil, false, err
	}
	raw, err := parseRaw(body)
	if err != nil {
		return nil, false, err
	}
	if !encrypted {
		m, err := raw.message()
		return m, false, err
	}
	m, err := w.decryptPush(q, raw.Encrypt)
	return m, true, err
}

// encrypted applies the mode rules to the query's encrypt_type.
func (w *Webhook) encrypted(encryptType string) (bool, error) {
	var enc bool
	switch encryptType {
	case "aes":
		enc = true
	case "", "raw":
	default:
		return false, invalid("不支持的 encrypt_type (unsupported encrypt_type)")
	}
	switch {
	case enc && w.crypt == nil:
		return false, dispatcher.Errorf(dispatcher.EForbidden, "本公众号使用明文模式，不接受加密消息 (encrypted message refused: the account is in plaintext mode)")
	case !enc && w.cfg.Mode == ModeSafe:
		return false, dispatcher.Errorf(dispatcher.EForbidden, "本公众号使用安全模式，不接受明文消息 (plaintext message refused: the account is in safe mode)")
	}
	return enc, nil
}

// decryptPush checks msg_signature over the Encrypt text (not signature, which does not cover the
// body), then decrypts. In compatible mode the body's plaintext fields are ignored: only the
// encrypted copy is authenticated.
func (w *Webhook) decryptPush(q url.Values, encrypt string) (*Message, error) {
	if encrypt == "" {
		return nil, invalid("加密消息缺少 Encrypt (encrypted message lacks Encrypt)")
	}
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !signatureOK(q.Get("msg_signature"), w.cfg.Token, ts, nonce, encrypt) {
		return nil, errSignature
	}
	if err := w.checkTime(ts); err != nil {
		return nil, err
	}
	plain, err := w.crypt.decrypt(encrypt)
	if err != nil {
		return nil, err
	}
	return ParseMessage(plain)
}

var errSignature = dispatcher.Errorf(dispatcher.EUnauthorized, "签名无效 (invalid signature)")

// checkSignature checks the plain signature over (token, timestamp, nonce) and the timestamp.
func (w *Webhook) checkSignature(q url.Values) error {
	ts := q.Get("timestamp")
	if !signatureOK(q.Get("signature"), w.cfg.Token, ts, q.Get("nonce")) {
		return errSignature
	}
	return w.checkTime(ts)
}

// checkTime refuses a timestamp further than the window from now, either way: a signed request
// captured once cannot be replayed later.
func (w *Webhook) checkTime(ts string) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return dispatcher.Errorf(dispatcher.EUnauthorized, "时间戳无效 (invalid timestamp)")
	}
	skew := w.now().Sub(time.Unix(sec, 0))
	if skew > w.cfg.Window || skew < -w.cfg.Window {
		return dispatcher.Errorf(dispatcher.EForbidden, "时间戳超出允许范围 (timestamp outside the accepted window of %s)", w.cfg.Window)
	}
	return nil
}

// readBody reads at most MaxBodyBytes.
func readBody(rw http.ResponseWriter, req *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, req.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, dispatcher.Errorf(dispatcher.ETooLarge, "消息体超过 %d 字节 (body larger than %d bytes)", MaxBodyBytes, MaxBodyBytes)
	case err != nil:
		return nil, invalid("无法读取消息体 (could not read the body)")
	}
	return body, nil
}

// answer writes the passive reply: "success" for none, else the text reply, encrypted when the
// push was (fresh random bytes and nonce on every call, so a retry's answer is a new ciphertext).
func (w *Webhook) answer(rw http.ResponseWriter, m *Message, reply Reply, encrypted bool) {
	if reply.Text == "" {
		writeText(rw, http.StatusOK, "success")
		return
	}
	now := w.now().Unix()
	body := textReply(m, reply.Text, now)
	if encrypted {
		body = envelope(w.cfg.Token, w.crypt.encrypt(freshRandom(), body), strconv.FormatInt(now, 10), freshNonce())
	}
	rw.Header().Set("Content-Type", "text/xml; charset=utf-8")
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write(body)
}

// refuse answers a refused request with its status and short text, and logs why (never the
// message's content nor a full OpenID).
func (w *Webhook) refuse(rw http.ResponseWriter, req *http.Request, err error) {
	status := httperr.Status(err)
	level := slog.LevelInfo
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		level = slog.LevelWarn
	}
	w.log.Log(req.Context(), level, "wechat: request refused", "status", status,
		"reason", dispatcher.ErrorMessage(err), "remote", req.RemoteAddr, "openid", redact(req.URL.Query().Get("openid")))
	writeText(rw, status, dispatcher.ErrorMessage(err))
}

func writeText(rw http.ResponseWriter, status int, text string) {
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(status)
	_, _ = io.WriteString(rw, text)
}

// redact stands for an OpenID in logs: a short hash lets one follow a citizen's requests through
// the log without the log holding the id.
func redact(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return "h:" + hex.EncodeToString(sum[:4])
}

// redactKey is the message's dedup key with the OpenID redacted.
func redactKey(m *Message) string {
	if m.MsgType == "event" || m.MsgID == 0 {
		return fmt.Sprintf("%s:%s:%d", m.MsgType, redact(m.FromUserName), m.CreateTime)
	}
	return "msg:" + strconv.FormatUint(m.MsgID, 10)
}
