package dispatcher

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits of the text a report or an action carries, in characters (runes). They are the
// Open311 form's limits too, so that a report is refused or accepted alike on every channel.
// Free text (a report's text, a reason, an answer) is bounded by MaxTextRunes.
const (
	MaxLoginLen     = 64   // an account's login (ASCII)
	MaxNameRunes    = 64   // a person's name
	MaxPhoneRunes   = 32   // a phone number as written
	MaxEmailRunes   = 254  // an email address (RFC 5321's longest path)
	MaxIDRunes      = 128  // a channel's message id, a WeChat openid
	MaxAddressRunes = 500  // an address as the reporter wrote it
	MaxCodeRunes    = 64   // a code: channel, nature, category, unit, datum, decision...
	MaxURLRunes     = 2048 // one media URL, one evidence reference
	MaxMedia        = 10   // media entries (uploaded files' hashes or links) per report or action
	MaxEvidence     = 20   // evidence items per action
)

// validateComplaintFields bounds every text field of a report and checks its media URLs.
func validateComplaintFields(cmp *Complaint) error {
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"channel", cmp.Channel, MaxCodeRunes}, {"nature", cmp.Nature, MaxCodeRunes},
		{"category", cmp.Category, MaxCodeRunes}, {"datum", string(cmp.Location.Datum), MaxCodeRunes},
		{"address", cmp.Location.Address, MaxAddressRunes}, {"external_id", cmp.ExternalID, MaxIDRunes},
		{"reporter.name", cmp.Reporter.Name, MaxNameRunes}, {"reporter.phone", cmp.Reporter.Phone, MaxPhoneRunes},
		{"reporter.email", cmp.Reporter.Email, MaxEmailRunes}, {"reporter.openid", cmp.Reporter.OpenID, MaxIDRunes},
	} {
		if err := checkLine(f.name, f.value, f.max, false); err != nil {
			return err
		}
	}
	return checkMedia(cmp.Media, true)
}

// checkMedia bounds a media list and checks each entry: the hash of an uploaded file (whether it
// exists is checked later, against the store) or, in a report, an http(s) link as channels such
// as Open311 give them. An entry given twice is refused: it would say nothing new.
func checkMedia(media []string, links bool) error {
	if len(media) > MaxMedia {
		return FieldError("media", "media 最多 %d 项 (media holds at most %d entries; got %d)", MaxMedia, MaxMedia, len(media))
	}
	for i, m := range media {
		if slices.Contains(media[:i], m) {
			return FieldError("media", "media 中 %s 重复出现 (media lists %s twice)", m, m)
		}
		if IsMediaHash(m) {
			continue
		}
		if !links {
			return FieldError("media", "media 的每一项须为已上传文件的 SHA-256（64 位小写十六进制） (each media entry must be the SHA-256 of an uploaded file: 64 lower-case hex digits)")
		}
		if err := checkURL("media", m); err != nil {
			return err
		}
	}
	return nil
}

// validateFields bounds every text field of an action request.
func (req *ActionRequest) validateFields() error {
	for _, f := range []struct{ name, value string }{
		{"action", req.Action}, {"unit", req.Unit}, {"category", req.Category}, {"into", req.Into},
		{"inspector", req.Inspector}, {"satisfaction", req.Satisfaction},
		{"publication", string(req.Publication)},
	} {
		if err := checkLine(f.name, f.value, MaxCodeRunes, false); err != nil {
			return err
		}
	}
	if d := req.Decision; d != nil {
		if err := checkLine("decision.kind", d.Kind, MaxCodeRunes, false); err != nil {
			return err
		}
		if err := checkText("decision.text", d.Text); err != nil {
			return err
		}
	}
	if err := checkText("reason", req.Reason); err != nil {
		return err
	}
	if err := checkText("text", req.Text); err != nil {
		return err
	}
	if err := checkMedia(req.Media, false); err != nil {
		return err
	}
	if len(req.Evidence) > MaxEvidence {
		return FieldError("evidence", "evidence 最多 %d 项 (evidence holds at most %d items; got %d)", MaxEvidence, MaxEvidence, len(req.Evidence))
	}
	for _, e := range req.Evidence {
		for _, f := range []struct {
			name, value string
			max         int
		}{
			{"evidence.kind", e.Kind, MaxCodeRunes}, {"evidence.ref", e.Ref, MaxURLRunes},
			{"evidence.sha256", e.SHA256, MaxCodeRunes}, {"evidence.device", e.Device, MaxIDRunes},
			{"evidence.place", e.Place, MaxAddressRunes},
		} {
			if err := checkLine(f.name, f.value, f.max, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLine checks a single-line field: valid UTF-8, at most max characters, no control
// characters or line breaks, and not empty when required.
func checkLine(field, v string, max int, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return FieldError(field, "请填写 %s (%s is required)", field, field)
	}
	if !utf8.ValidString(v) {
		return FieldError(field, "%s 不是有效的 UTF-8 文本 (%s is not valid UTF-8)", field, field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return FieldError(field, "%s 过长：%d 字，最多 %d 字 (%s too long: %d characters, at most %d)", field, n, max, field, n, max)
	}
	if strings.ContainsFunc(v, func(c rune) bool { return unicode.IsControl(c) || c == '\u2028' || c == '\u2029' }) {
		return FieldError(field, "%s 含有控制字符或换行 (%s contains a control character or a line break)", field, field)
	}
	return nil
}

// checkText checks a free-text field: valid UTF-8, at most MaxTextRunes characters, no NUL (line
// breaks and tabs are allowed).
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return FieldError(field, "%s 不是有效的 UTF-8 文本 (%s is not valid UTF-8)", field, field)
	}
	if n := utf8.RuneCountInString(v); n > MaxTextRunes {
		return FieldError(field, "%s 过长：%d 字，最多 %d 字 (%s too long: %d characters, at most %d)", field, n, MaxTextRunes, field, n, MaxTextRunes)
	}
	if strings.ContainsRune(v, 0) {
		return FieldError(field, "%s 含有非法字符 (%s contains a NUL character)", field, field)
	}
	return nil
}

// checkURL accepts an absolute http or https URL with a host and no credentials, of at most
// MaxURLRunes characters (a hash of an uploaded file is checked before: see checkMedia).
func checkURL(field, v string) error {
	if err := checkLine(field, v, MaxURLRunes, true); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return FieldError(field, "%s 须为 http 或 https 的完整网址 (each %s entry must be an absolute http or https URL without credentials)", field, field)
	}
	return nil
}
