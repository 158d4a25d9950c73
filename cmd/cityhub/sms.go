package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/sms"
)

// SMSConfig is the bureau's SMS gateway, through which reporters who left a phone number hear
// that their case is closed (package sms). No URL: the texts are queued and given up, and the
// case's page says so.
type SMSConfig struct {
	URL    string
	Secret string
	Sign   string // the signature carriers require at the head of a text, e.g. 【綦江城管】
	Poll   time.Duration
}

// smsFlags declares the gateway's settings, with the CITYHUB_SMS_* environment variables as
// defaults.
func smsFlags(fs *flag.FlagSet, cfg *Config) {
	s := &cfg.SMS
	fs.StringVar(&s.URL, "sms-url", os.Getenv("CITYHUB_SMS_URL"), "SMS gateway URL: closure texts to reporters who left a phone (empty: not sent, shown as such)")
	fs.StringVar(&s.Secret, "sms-secret", os.Getenv("CITYHUB_SMS_SECRET"), "secret the requests to the SMS gateway are signed with (HMAC-SHA256)")
	fs.StringVar(&s.Sign, "sms-sign", envOr("CITYHUB_SMS_SIGN", "【城管热线】"), "signature at the head of every text, as registered with the carrier")
}

// checkSMS refuses a gateway URL that is not http(s), or one without a secret.
func checkSMS(cfg *Config) error {
	s := cfg.SMS
	if s.URL == "" {
		return nil
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--sms-url (CITYHUB_SMS_URL): 不是 http(s) 地址 (not an http(s) URL): %q", s.URL)
	}
	if s.Secret == "" {
		return fmt.Errorf("--sms-secret (CITYHUB_SMS_SECRET): 配置了短信网关却没有密钥 (the SMS gateway needs a secret)")
	}
	return nil
}

// startSMS runs the closure texts' notifier on the store's outbox and the shared KV.
func (m *Main) startSMS(bg context.Context) {
	kv := m.shared.kvOr(m.store)
	outbox, ok := m.store.(dispatcher.Outbox)
	if !ok || kv == nil {
		return
	}
	opt := sms.Options{KV: kv, Outbox: outbox, Sign: m.Config.SMS.Sign, Log: m.Log, Poll: m.Config.SMS.Poll}
	if m.Config.SMS.URL != "" {
		opt.Gateway = sms.HTTPGateway{URL: m.Config.SMS.URL, Secret: m.Config.SMS.Secret}
	}
	if m.Config.PublicURL != "" {
		opt.TrackURL = m.Config.PublicURL + "/track"
	}
	m.sms = sms.New(m.svc, opt)
	m.sms.Start(bg)
}
