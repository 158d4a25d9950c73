package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"cityhub/internal/courier"
	"cityhub/internal/signing"
)

// Gateway sends one text message.
type Gateway interface {
	Send(ctx context.Context, m Message) error
}

// Message is one text to one phone; Ref names what it is for, the same on every retry, so that
// a gateway may drop a repeat.
type Message struct {
	To   string `json:"to"`
	Text string `json:"text"`
	Ref  string `json:"ref"`
}

// HTTPGateway posts messages to the bureau's SMS gateway (see the package comment).
type HTTPGateway struct {
	URL    string
	Secret string
	Client *http.Client // nil: a client with a 10 s timeout
	Now    func() time.Time
}

// Send posts the message and judges the gateway's answer.
func (g HTTPGateway) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return courier.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return courier.Permanent(err)
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signing.TimestampHeader, ts)
	req.Header.Set(signing.SignatureHeader, signing.Sign(g.Secret, ts, body))
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("短信网关不可达 (the SMS gateway cannot be reached): %w", err)
	}
	defer resp.Body.Close()
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	return judge(resp.StatusCode, detail)
}

// judge reads the gateway's status: 2xx sent; a refusal of the message itself is permanent.
func judge(status int, detail []byte) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		return courier.Permanent(fmt.Errorf("短信网关拒绝 (the SMS gateway refused): %d %s", status, bytes.TrimSpace(detail)))
	}
	return fmt.Errorf("短信网关暂时失败 (the SMS gateway failed): %d %s", status, bytes.TrimSpace(detail))
}
