package webform

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/bits"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// The proof of work an address over its limit must show for each further report (hashcash): the
// hub hands out a challenge, signed so that any instance can check it and expiring in
// ChallengeTTL; the page finds a nonce such that SHA-256(challenge + ":" + nonce) begins with
// Difficulty zero bits, and sends both with the report. A challenge is spent once used.

// ChallengeTTL is how long a challenge may be solved and used.
const ChallengeTTL = 5 * time.Minute

const powKeyName = "webform:pow-key"

// key is the secret the challenges are signed with, made once and shared through the KV.
func (h *Handler) key(ctx context.Context) ([]byte, error) {
	e, err := h.opt.KV.KVGet(ctx, powKeyName)
	if err == nil {
		return e.Value, nil
	}
	if dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		return nil, err
	}
	k := make([]byte, 32)
	rand.Read(k)
	if _, err := h.opt.KV.KVPut(ctx, powKeyName, k, 0, 0); dispatcher.ErrorCode(err) == dispatcher.EConflict {
		return h.key(ctx) // another instance made it first
	} else if err != nil {
		return nil, err
	}
	return k, nil
}

// Challenge is what GET /report/api/challenge answers.
type Challenge struct {
	Challenge  string    `json:"challenge"`
	Difficulty int       `json:"difficulty"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func (h *Handler) challenge(w http.ResponseWriter, r *http.Request) {
	key, err := h.key(r.Context())
	if err != nil {
		fail(w, dispatcher.Errorf(dispatcher.EUnavailable, "暂时无法生成验证，请稍后重试 (no challenge can be made now)"))
		return
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	exp := h.opt.Now().Add(ChallengeTTL)
	body := fmt.Sprintf("%x.%d.%d", nonce, exp.Unix(), h.opt.Limits.Difficulty)
	writeJSON(w, http.StatusOK, Challenge{Challenge: body + "." + sign(key, body), Difficulty: h.opt.Limits.Difficulty, ExpiresAt: exp})
}

func sign(key []byte, body string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

// verify checks a solved challenge and spends it.
func (h *Handler) verify(ctx context.Context, challenge, nonce string) error {
	bad := &dispatcher.Error{Code: dispatcher.EForbidden, Field: "pow", Message: "验证未通过，请重新验证 (the challenge was not solved; ask for a new one)"}
	parts := strings.Split(challenge, ".")
	if len(parts) != 4 || len(nonce) == 0 || len(nonce) > 64 {
		return bad
	}
	key, err := h.key(ctx)
	if err != nil {
		return dispatcher.Errorf(dispatcher.EUnavailable, "暂时无法验证，请稍后重试 (the challenge cannot be checked now)")
	}
	body := strings.Join(parts[:3], ".")
	exp, err1 := strconv.ParseInt(parts[1], 10, 64)
	difficulty, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || !hmac.Equal([]byte(parts[3]), []byte(sign(key, body))) ||
		h.opt.Now().After(time.Unix(exp, 0)) || difficulty < h.opt.Limits.Difficulty || LeadingZeroBits(challenge, nonce) < difficulty {
		return bad
	}
	if _, err := h.opt.KV.KVPut(ctx, "webform:pow-spent:"+parts[0], []byte{1}, 0, ChallengeTTL+time.Minute); err != nil {
		return bad // spent before (or the KV is down: no report on an unverifiable challenge)
	}
	return nil
}

// LeadingZeroBits counts the leading zero bits of SHA-256(challenge + ":" + nonce).
func LeadingZeroBits(challenge, nonce string) int {
	sum := sha256.Sum256([]byte(challenge + ":" + nonce))
	n := 0
	for _, b := range sum {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}
