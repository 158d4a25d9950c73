// Package signing is how the hub and the bureau's telephone system sign what they send each
// other (call events in, texts out): an HMAC-SHA256 over the timestamp and the body, keyed by a
// shared secret, in two headers.
//
//	X-Cityhub-Timestamp: 1764900000              (Unix seconds)
//	X-Cityhub-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// The headers of a signed request.
const (
	TimestampHeader = "X-Cityhub-Timestamp"
	SignatureHeader = "X-Cityhub-Signature"
)

// Sign is the X-Cityhub-Signature value of a body sent at the timestamp.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Valid reports, in constant time, whether signature is the body's at the timestamp.
func Valid(secret, timestamp string, body []byte, signature string) bool {
	return hmac.Equal([]byte(signature), []byte(Sign(secret, timestamp, body)))
}
