package open311

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"cityhub/dispatcher"
)

// PostRequest is a POST Service Request form, checked.
type PostRequest struct {
	APIKey         string
	JurisdictionID string
	ServiceCode    string
	Point          dispatcher.Point // WGS-84, always present
	AddressString  string
	AddressID      string
	Email          string
	DeviceID       string
	AccountID      string
	FirstName      string
	LastName       string
	Phone          string
	Description    string
	MediaURL       string
	// NonPublic: the reporter asks that the report not be published (the non_public extension).
	NonPublic bool
}

// Limits of the form's fields (in characters unless said otherwise).
const (
	maxKeyLen      = 256
	maxCodeLen     = 64
	maxNumberLen   = 32 // a coordinate, as text
	maxAddressLen  = 500
	maxIDLen       = 128
	maxNameLen     = 64
	maxEmailLen    = 254
	maxPhoneLen    = 32
	maxMediaURLLen = 2048
)

var (
	codeRe   = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	numberRe = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$`)
	phoneRe  = regexp.MustCompile(`^\+?[0-9 ()-]+$`)
)

// ParseRequestForm reads and checks a POST Service Request form. It does no I/O: whether the api
// key exists, the service code is in the catalogue and the point lies in the district is for the
// caller to find out. The error is a *dispatcher.Error naming the field: EForbidden for a missing or
// malformed api_key, ENotFound for a service_code that cannot be a catalogue code, EInvalid for
// anything else.
func ParseRequestForm(values url.Values) (PostRequest, error) {
	var f form
	f.values = values
	var r PostRequest

	// api_key first: an unauthenticated client learns nothing more than that.
	key, err := f.single("api_key")
	if err != nil {
		return PostRequest{}, err
	}
	if key == "" {
		return PostRequest{}, keyError("api_key is required")
	}
	if len(key) > maxKeyLen || !printableASCII(key) {
		return PostRequest{}, keyError("invalid api_key")
	}
	r.APIKey = key

	if r.JurisdictionID, err = f.line("jurisdiction_id", maxCodeLen); err != nil {
		return PostRequest{}, err
	}

	if r.ServiceCode, err = f.line("service_code", maxCodeLen); err != nil {
		return PostRequest{}, err
	}
	if r.ServiceCode == "" {
		return PostRequest{}, dispatcher.FieldError("service_code", "缺少事件类别 (service_code is required)")
	}
	if !codeRe.MatchString(r.ServiceCode) {
		return PostRequest{}, unknownService(r.ServiceCode)
	}

	if r.AddressString, err = f.line("address_string", maxAddressLen); err != nil {
		return PostRequest{}, err
	}
	if r.AddressID, err = f.line("address_id", maxIDLen); err != nil {
		return PostRequest{}, err
	}
	if r.Point, err = f.point(r.AddressString != "" || r.AddressID != ""); err != nil {
		return PostRequest{}, err
	}

	if r.Email, err = f.line("email", maxEmailLen); err != nil {
		return PostRequest{}, err
	}
	if r.Email != "" && !validEmail(r.Email) {
		return PostRequest{}, dispatcher.FieldError("email", "电子邮箱格式不正确 (email is not a valid address such as name@example.com)")
	}
	if r.DeviceID, err = f.line("device_id", maxIDLen); err != nil {
		return PostRequest{}, err
	}
	if r.AccountID, err = f.line("account_id", maxIDLen); err != nil {
		return PostRequest{}, err
	}
	if r.FirstName, err = f.line("first_name", maxNameLen); err != nil {
		return PostRequest{}, err
	}
	if r.LastName, err = f.line("last_name", maxNameLen); err != nil {
		return PostRequest{}, err
	}
	if r.Phone, err = f.line("phone", maxPhoneLen); err != nil {
		return PostRequest{}, err
	}
	if r.Phone != "" && (!phoneRe.MatchString(r.Phone) || countDigits(r.Phone) < 3) {
		return PostRequest{}, dispatcher.FieldError("phone", "电话号码格式不正确 (phone must be digits, optionally with +, spaces, dashes or brackets)")
	}

	if r.Description, err = f.text("description", dispatcher.MaxTextRunes); err != nil {
		return PostRequest{}, err
	}

	if r.MediaURL, err = f.line("media_url", maxMediaURLLen); err != nil {
		return PostRequest{}, err
	}
	if r.MediaURL != "" && !validMediaURL(r.MediaURL) {
		return PostRequest{}, dispatcher.FieldError("media_url", "media_url 必须是 http 或 https 的完整网址 (media_url must be an absolute http or https URL without credentials)")
	}
	if r.NonPublic, err = f.boolean("non_public"); err != nil {
		return PostRequest{}, err
	}
	return r, nil
}

// boolean reads a true/false field (also 1/0, any case); absent or empty is false.
func (f form) boolean(name string) (bool, error) {
	v, err := f.line(name, 8)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(v) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, dispatcher.FieldError(name, "%s 须为 true 或 false (%s must be true or false)", name, name)
}

// ReporterName is the reporter's name from first_name and last_name: family name first and no
// space when both are written in Chinese characters, "first last" otherwise.
func (r PostRequest) ReporterName() string {
	switch {
	case r.FirstName == "":
		return r.LastName
	case r.LastName == "":
		return r.FirstName
	case allHan(r.FirstName) && allHan(r.LastName):
		return r.LastName + r.FirstName
	}
	return r.FirstName + " " + r.LastName
}

func allHan(s string) bool {
	for _, c := range s {
		if !unicode.Is(unicode.Han, c) && c != '·' {
			return false
		}
	}
	return s != ""
}

// unknownService is the specification's answer to a service_code the endpoint does not offer: 404.
func unknownService(code string) error {
	return &dispatcher.Error{Code: dispatcher.ENotFound, Field: "service_code",
		Message: fmt.Sprintf("未知的事件类别 %q (service_code %q not found; GET services.xml lists them)", code, code)}
}

func keyError(msg string) error {
	return &dispatcher.Error{Code: dispatcher.EForbidden, Field: "api_key", Message: msg}
}

// form reads single-valued fields of url.Values strictly.
type form struct{ values url.Values }

// single returns the one value of a field ("" when absent). A field given twice is refused: which
// of the two the client meant is not for the server to guess.
func (f form) single(name string) (string, error) {
	vs := f.values[name]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", dispatcher.FieldError(name, "%s 重复出现 (%s was given %d times; give it once)", name, name, len(vs))
	}
	v := vs[0]
	if !utf8.ValidString(v) {
		return "", dispatcher.FieldError(name, "%s 不是有效的 UTF-8 文本 (%s is not valid UTF-8)", name, name)
	}
	return strings.TrimSpace(v), nil
}

// line is a single-line field of at most max characters, without control characters.
func (f form) line(name string, max int) (string, error) {
	v, err := f.single(name)
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", dispatcher.FieldError(name, "%s 过长：%d 字，最多 %d 字 (%s too long: %d characters, at most %d)", name, n, max, name, n, max)
	}
	for _, c := range v {
		if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
			return "", dispatcher.FieldError(name, "%s 含有控制字符或换行 (%s contains a control character or a line break)", name, name)
		}
	}
	return v, nil
}

// text is a multi-line field: tabs and line breaks are allowed, other control characters are not.
func (f form) text(name string, max int) (string, error) {
	v, err := f.single(name)
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", dispatcher.FieldError(name, "%s 过长：%d 字，最多 %d 字 (%s too long: %d characters, at most %d)", name, n, max, name, n, max)
	}
	for _, c := range v {
		if unicode.IsControl(c) && c != '\n' && c != '\r' && c != '\t' {
			return "", dispatcher.FieldError(name, "%s 含有非法字符 (%s contains a control character)", name, name)
		}
	}
	return v, nil
}

// point reads lat and long. A report must be located by a point: hasAddress only changes the
// message when it is missing.
func (f form) point(hasAddress bool) (dispatcher.Point, error) {
	latS, err := f.line("lat", maxNumberLen)
	if err != nil {
		return dispatcher.Point{}, err
	}
	lngS, err := f.line("long", maxNumberLen)
	if err != nil {
		return dispatcher.Point{}, err
	}
	switch {
	case latS == "" && lngS == "" && hasAddress:
		return dispatcher.Point{}, dispatcher.FieldError("lat",
			"无法根据地址定位，请提供经纬度 (this endpoint cannot locate a report by address_string or address_id alone; send lat and long in WGS-84 degrees)")
	case latS == "" && lngS == "":
		return dispatcher.Point{}, dispatcher.FieldError("lat", "缺少位置：请提供 lat 和 long (a location is required: send lat and long in WGS-84 degrees)")
	case latS == "":
		return dispatcher.Point{}, dispatcher.FieldError("lat", "缺少纬度 (lat is required with long)")
	case lngS == "":
		return dispatcher.Point{}, dispatcher.FieldError("long", "缺少经度 (long is required with lat)")
	}
	lat, err := parseDegrees("lat", latS)
	if err != nil {
		return dispatcher.Point{}, err
	}
	lng, err := parseDegrees("long", lngS)
	if err != nil {
		return dispatcher.Point{}, err
	}
	p := dispatcher.Point{Lat: lat, Lng: lng}
	if err := dispatcher.ValidatePoint(p); err != nil {
		return dispatcher.Point{}, outOfRange(err, p, latS, lngS)
	}
	return dispatcher.Point{Lat: lat, Lng: lng}, nil
}

// outOfRange words the error of the hub's one point check (dispatcher.ValidatePoint) in
// Open311's terms: its parameter names, the value as the client wrote it, and a hint when the
// client seems to have swapped lat and long.
func outOfRange(err error, p dispatcher.Point, latS, lngS string) error {
	if dispatcher.ErrorField(err) != "lat" {
		return dispatcher.FieldError("long", "经度 %s 超出 -180 到 180 的范围 (longitude %s is out of range -180..180)", lngS, lngS)
	}
	zh, en := "", ""
	if dispatcher.ValidatePoint(dispatcher.Point{Lat: p.Lng, Lng: p.Lat}) == nil {
		zh, en = "，lat 与 long 可能写反了", "; lat and long may be swapped"
	}
	return dispatcher.FieldError("lat", "纬度 %s 超出 -90 到 90 的范围%s (latitude %s is out of range -90..90%s)", latS, zh, latS, en)
}

// parseDegrees reads a decimal number of degrees (an exponent is tolerated; hex, NaN, Inf and
// digit separators are not).
func parseDegrees(name, s string) (float64, error) {
	label := map[string]string{"lat": "纬度", "long": "经度"}[name]
	if !numberRe.MatchString(s) {
		return 0, dispatcher.FieldError(name, "%s必须是十进制度数 (%s must be a decimal number of degrees, WGS-84; got %q)", label, name, s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, dispatcher.FieldError(name, "%s必须是十进制度数 (%s must be a decimal number of degrees, WGS-84; got %q)", label, name, s)
	}
	return v, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// validEmail accepts a bare address (no display name, no angle brackets).
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && strings.Contains(s, "@")
}

// validMediaURL accepts an absolute http(s) URL with a host and no user info (the URL is shown to
// anyone who reads the request).
func validMediaURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https"
}

// describe formats a field error's description for the error list: the field first.
func describe(field, msg string) string {
	if field == "" || strings.HasPrefix(msg, field) {
		return msg
	}
	return fmt.Sprintf("%s: %s", field, msg)
}
