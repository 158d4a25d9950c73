package open311

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"cityhub/dispatcher"
)

// validForm is a complete, valid POST Service Request form in 古南街道.
func validForm() url.Values {
	return url.Values{
		"api_key":        {"k3y-abc_DEF"},
		"service_code":   {"0501"},
		"lat":            {"29.03"},
		"long":           {"106.65"},
		"address_string": {"古南街道 中山路 12 号"},
		"email":          {"li.ming@example.cn"},
		"first_name":     {"明"},
		"last_name":      {"李"},
		"phone":          {"+86 138-0000-0000"},
		"description":    {"人行道上有流动摊贩\n占道经营"},
		"media_url":      {"https://img.example.cn/p/1.jpg"},
		"attribute[WHY]": {"ignored"},
	}
}

func TestParseRequestFormValid(t *testing.T) {
	r, err := ParseRequestForm(validForm())
	if err != nil {
		t.Fatalf("valid form refused: %v", err)
	}
	want := PostRequest{APIKey: "k3y-abc_DEF", ServiceCode: "0501", Point: dispatcher.Point{Lat: 29.03, Lng: 106.65},
		AddressString: "古南街道 中山路 12 号", Email: "li.ming@example.cn", FirstName: "明", LastName: "李",
		Phone: "+86 138-0000-0000", Description: "人行道上有流动摊贩\n占道经营", MediaURL: "https://img.example.cn/p/1.jpg"}
	if r != want {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	if got := r.ReporterName(); got != "李明" {
		t.Errorf("Chinese name = %q, want 李明 (family name first)", got)
	}
	if got := (PostRequest{FirstName: "Ming", LastName: "Li"}).ReporterName(); got != "Ming Li" {
		t.Errorf("western name = %q", got)
	}
	if got := (PostRequest{LastName: "Li"}).ReporterName(); got != "Li" {
		t.Errorf("last name only = %q", got)
	}
}

func TestParseRequestFormErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(v url.Values)
		code   string
		field  string
		substr []string
	}{
		{"no api_key", func(v url.Values) { v.Del("api_key") }, dispatcher.EForbidden, "api_key", []string{"required"}},
		{"blank api_key", func(v url.Values) { v.Set("api_key", "  ") }, dispatcher.EForbidden, "api_key", nil},
		{"api_key with space", func(v url.Values) { v.Set("api_key", "a b") }, dispatcher.EForbidden, "api_key", nil},
		{"api_key twice", func(v url.Values) { v.Add("api_key", "other") }, dispatcher.EInvalid, "api_key", []string{"2 times"}},
		{"no service_code", func(v url.Values) { v.Del("service_code") }, dispatcher.EInvalid, "service_code", []string{"required"}},
		{"odd service_code", func(v url.Values) { v.Set("service_code", "05 01") }, dispatcher.ENotFound, "service_code", []string{"not found"}},
		{"lat not a number", func(v url.Values) { v.Set("lat", "abc") }, dispatcher.EInvalid, "lat", []string{"decimal"}},
		{"lat NaN", func(v url.Values) { v.Set("lat", "NaN") }, dispatcher.EInvalid, "lat", nil},
		{"lat Inf", func(v url.Values) { v.Set("lat", "Inf") }, dispatcher.EInvalid, "lat", nil},
		{"lat hex", func(v url.Values) { v.Set("lat", "0x1p4") }, dispatcher.EInvalid, "lat", nil},
		{"lat huge exponent", func(v url.Values) { v.Set("lat", "1e999") }, dispatcher.EInvalid, "lat", nil},
		{"lat comma decimal", func(v url.Values) { v.Set("lat", "29,03") }, dispatcher.EInvalid, "lat", nil},
		{"long not a number", func(v url.Values) { v.Set("long", "106.65E") }, dispatcher.EInvalid, "long", nil},
		{"swapped", func(v url.Values) { v.Set("lat", "106.65"); v.Set("long", "29.03") }, dispatcher.EInvalid, "lat",
			[]string{"out of range", "swapped"}},
		{"lat out of range", func(v url.Values) { v.Set("lat", "-190") }, dispatcher.EInvalid, "lat", []string{"out of range"}},
		{"long out of range", func(v url.Values) { v.Set("long", "180.5") }, dispatcher.EInvalid, "long", []string{"out of range"}},
		{"lat without long", func(v url.Values) { v.Del("long") }, dispatcher.EInvalid, "long", []string{"required"}},
		{"long without lat", func(v url.Values) { v.Del("lat") }, dispatcher.EInvalid, "lat", []string{"required"}},
		{"address only", func(v url.Values) { v.Del("lat"); v.Del("long") }, dispatcher.EInvalid, "lat",
			[]string{"address_string", "lat and long"}},
		{"address_id only", func(v url.Values) { v.Del("lat"); v.Del("long"); v.Del("address_string"); v.Set("address_id", "A1") },
			dispatcher.EInvalid, "lat", []string{"address_id"}},
		{"no location", func(v url.Values) { v.Del("lat"); v.Del("long"); v.Del("address_string") }, dispatcher.EInvalid, "lat",
			[]string{"location is required"}},
		{"lat twice", func(v url.Values) { v.Add("lat", "29.04") }, dispatcher.EInvalid, "lat", []string{"2 times"}},
		{"description too long", func(v url.Values) { v.Set("description", strings.Repeat("脏", dispatcher.MaxTextRunes+1)) },
			dispatcher.EInvalid, "description", []string{"too long", "4001"}},
		{"description NUL", func(v url.Values) { v.Set("description", "a\x00b") }, dispatcher.EInvalid, "description", nil},
		{"description bad UTF-8", func(v url.Values) { v.Set("description", "a\xffb") }, dispatcher.EInvalid, "description", []string{"UTF-8"}},
		{"description escape char", func(v url.Values) { v.Set("description", "a\x1b[31mb") }, dispatcher.EInvalid, "description", nil},
		{"address too long", func(v url.Values) { v.Set("address_string", strings.Repeat("路", 501)) }, dispatcher.EInvalid, "address_string", nil},
		{"address newline", func(v url.Values) { v.Set("address_string", "a\nb") }, dispatcher.EInvalid, "address_string", nil},
		{"email", func(v url.Values) { v.Set("email", "not-an-address") }, dispatcher.EInvalid, "email", nil},
		{"email display name", func(v url.Values) { v.Set("email", "Li <li@example.cn>") }, dispatcher.EInvalid, "email", nil},
		{"phone letters", func(v url.Values) { v.Set("phone", "call me") }, dispatcher.EInvalid, "phone", nil},
		{"media_url javascript", func(v url.Values) { v.Set("media_url", "javascript:alert(1)") }, dispatcher.EInvalid, "media_url", nil},
		{"media_url relative", func(v url.Values) { v.Set("media_url", "/p/1.jpg") }, dispatcher.EInvalid, "media_url", nil},
		{"media_url credentials", func(v url.Values) { v.Set("media_url", "https://u:p@img.example.cn/1.jpg") }, dispatcher.EInvalid, "media_url", nil},
		{"first_name too long", func(v url.Values) { v.Set("first_name", strings.Repeat("x", 65)) }, dispatcher.EInvalid, "first_name", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := validForm()
			tc.edit(v)
			_, err := ParseRequestForm(v)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := dispatcher.ErrorCode(err); got != tc.code {
				t.Errorf("code = %s, want %s (%v)", got, tc.code, err)
			}
			if got := dispatcher.ErrorField(err); got != tc.field {
				t.Errorf("field = %q, want %q (%v)", got, tc.field, err)
			}
			for _, s := range tc.substr {
				if !strings.Contains(dispatcher.ErrorMessage(err), s) {
					t.Errorf("message %q lacks %q", dispatcher.ErrorMessage(err), s)
				}
			}
		})
	}
}

func TestParseRequestFormBoundaries(t *testing.T) {
	v := validForm()
	v.Set("description", strings.Repeat("脏", dispatcher.MaxTextRunes))
	v.Set("lat", "-90")
	v.Set("long", "+180")
	v.Del("media_url")
	v.Del("email")
	v.Set("unknown_extension", "ignored")
	r, err := ParseRequestForm(v)
	if err != nil {
		t.Fatalf("boundary values refused: %v", err)
	}
	if r.Point != (dispatcher.Point{Lat: -90, Lng: 180}) || utf8.RuneCountInString(r.Description) != dispatcher.MaxTextRunes {
		t.Fatalf("got %+v", r.Point)
	}
	// Empty optional fields are absent, and surrounding blanks are trimmed.
	v = validForm()
	v.Set("email", "")
	v.Set("service_code", " 0501 ")
	v.Set("lat", "2.903e1")
	if r, err = ParseRequestForm(v); err != nil || r.Email != "" || r.ServiceCode != "0501" || r.Point.Lat != 29.03 {
		t.Fatalf("got %+v, %v", r, err)
	}
}

// formOf writes a checked request back as a form.
func formOf(r PostRequest) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("api_key", r.APIKey)
	set("jurisdiction_id", r.JurisdictionID)
	set("service_code", r.ServiceCode)
	set("lat", strconv.FormatFloat(r.Point.Lat, 'g', -1, 64))
	set("long", strconv.FormatFloat(r.Point.Lng, 'g', -1, 64))
	set("address_string", r.AddressString)
	set("address_id", r.AddressID)
	set("email", r.Email)
	set("device_id", r.DeviceID)
	set("account_id", r.AccountID)
	set("first_name", r.FirstName)
	set("last_name", r.LastName)
	set("phone", r.Phone)
	set("description", r.Description)
	set("media_url", r.MediaURL)
	return v
}

// checkParsed is the contract of ParseRequestForm: a request that keeps every rule, or a field error.
func checkParsed(t *testing.T, v url.Values, r PostRequest, err error) {
	t.Helper()
	if err != nil {
		var de *dispatcher.Error
		if !errors.As(err, &de) {
			t.Fatalf("error is %T, not a *dispatcher.Error: %v", err, err)
		}
		if de.Field == "" || de.Message == "" || !utf8.ValidString(de.Message) {
			t.Fatalf("error without a field or a message: %#v", de)
		}
		switch {
		case de.Code == dispatcher.EInvalid:
		case de.Code == dispatcher.EForbidden && de.Field == "api_key":
		default:
			t.Fatalf("unexpected error code %s on %s: %v", de.Code, de.Field, de)
		}
		return
	}
	if r.APIKey == "" || !printableASCII(r.APIKey) || !codeRe.MatchString(r.ServiceCode) {
		t.Fatalf("accepted without a key or a service code: %+v", r)
	}
	if dispatcher.ValidatePoint(r.Point) != nil || math.IsNaN(r.Point.Lat) || math.IsNaN(r.Point.Lng) {
		t.Fatalf("accepted a bad point: %+v", r.Point)
	}
	if utf8.RuneCountInString(r.Description) > dispatcher.MaxTextRunes || strings.ContainsRune(r.Description, 0) {
		t.Fatalf("accepted a bad description (%d runes)", utf8.RuneCountInString(r.Description))
	}
	for _, s := range []string{r.JurisdictionID, r.AddressString, r.AddressID, r.Email, r.DeviceID, r.AccountID,
		r.FirstName, r.LastName, r.Phone, r.Description, r.MediaURL} {
		if !utf8.ValidString(s) || s != strings.TrimSpace(s) {
			t.Fatalf("accepted an untrimmed or invalid string %q", s)
		}
	}
	if r.MediaURL != "" && !validMediaURL(r.MediaURL) {
		t.Fatalf("accepted media_url %q", r.MediaURL)
	}
	// What was accepted, written back, is accepted again unchanged.
	again, err := ParseRequestForm(formOf(r))
	if err != nil {
		t.Fatalf("round trip refused %+v: %v (input %v)", r, err, v)
	}
	if again != r {
		t.Fatalf("round trip changed the request:\n%+v\n%+v", r, again)
	}
}

func FuzzParseRequestForm(f *testing.F) {
	seeds := []string{
		validForm().Encode(),
		"api_key=k&service_code=0501&lat=29.03&long=106.65",
		"api_key=k&service_code=0501&lat=106.65&long=29.03",
		"api_key=k&service_code=0501&address_string=%E5%8F%A4%E5%8D%97",
		"api_key=k&service_code=0501&lat=abc&long=1",
		"api_key=k&api_key=j&service_code=0501&lat=1&long=2",
		"api_key=k&service_code=0501&lat=1&long=2&description=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"api_key=k&service_code=0501&lat=1&long=2&description=%00",
		"api_key=k&service_code=0501&lat=1&long=2&media_url=http%3A%2F%2Fx%2Fy&email=a%40b.c&phone=123",
		"api_key=k&service_code=0501&lat=1e1&long=-.5&attribute%5Bx%5D=1&first_name=a&last_name=b",
		"lat=NaN&long=Inf",
		"%zz=1&;",
		"",
	}
	for _, s := range seeds {
		f.Add(s, "", "", "")
	}
	f.Add("api_key=k&service_code=0501", "29.03", "106.65", "描述")
	f.Add("api_key=k&service_code=0501", "-90.0000", "180", "\r\n\t")
	f.Add("api_key=k&service_code=0501", "0x10", "1_0", "\xff")
	f.Fuzz(func(t *testing.T, body, lat, long, description string) {
		v, _ := url.ParseQuery(body) // keep what parsed: the checks must hold for any values
		if v == nil {
			v = url.Values{}
		}
		if lat != "" {
			v.Add("lat", lat)
		}
		if long != "" {
			v.Add("long", long)
		}
		if description != "" {
			v.Add("description", description)
		}
		r, err := ParseRequestForm(v)
		checkParsed(t, v, r, err)
	})
}

func TestParseRequestsQuery(t *testing.T) {
	now := mustTime(t, "2026-11-24T10:00:00+08:00")
	q, err := ParseRequestsQuery(url.Values{}, now)
	if err != nil || !q.From.Equal(now.Add(-Window)) || !q.To.IsZero() || q.Page != 1 || q.PageSize != MaxPageSize || q.Open != nil {
		t.Fatalf("defaults: %+v, %v", q, err)
	}
	q, err = ParseRequestsQuery(url.Values{"start_date": {"2026-10-01T00:00:00 08:00"}, "status": {"closed"},
		"page": {"3"}, "page_size": {"20"}, "service_code": {"0501, 0504,0501"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !q.From.Equal(mustTime(t, "2026-10-01T00:00:00+08:00")) || !q.To.Equal(q.From.Add(Window)) ||
		q.Open == nil || *q.Open || q.Page != 3 || q.PageSize != 20 || strings.Join(q.ServiceCodes, ",") != "0501,0504" {
		t.Fatalf("got %+v", q)
	}
	if f := q.Filter(); f.Offset != 40 || f.Limit != 20 || strings.Join(f.Categories, ",") != "0501,0504" || !f.Newest {
		t.Fatalf("filter %+v", f)
	}
	q, err = ParseRequestsQuery(url.Values{"end_date": {"2026-10-01T00:00Z"}, "status": {"open, closed"}}, now)
	if err != nil || q.Open != nil || !q.From.Equal(q.To.Add(-Window)) {
		t.Fatalf("got %+v, %v", q, err)
	}
	q, err = ParseRequestsQuery(url.Values{"service_request_id": {"QJ1, QJ2,QJ1"}, "status": {"bogus"}}, now)
	if err != nil || len(q.IDs) != 2 || q.IDs[0] != "QJ1" || q.IDs[1] != "QJ2" {
		t.Fatalf("ids override: %+v, %v", q, err)
	}
	bad := map[string]url.Values{
		"status":             {"status": {"pending"}},
		"start_date":         {"start_date": {"yesterday"}},
		"end_date":           {"end_date": {"2026-10-01"}},
		"page":               {"page": {"0"}},
		"page_size":          {"page_size": {"1001"}},
		"service_code":       {"service_code": {"0501,,0502"}},
		"service_request_id": {"service_request_id": {"QJ1,,QJ2"}},
	}
	for field, v := range bad {
		if _, err := ParseRequestsQuery(v, now); dispatcher.ErrorField(err) != field {
			t.Errorf("%v: got %v, want an error on %s", v, err, field)
		}
	}
	span := url.Values{"start_date": {"2026-01-01T00:00:00+08:00"}, "end_date": {"2026-06-01T00:00:00+08:00"}}
	if _, err := ParseRequestsQuery(span, now); dispatcher.ErrorField(err) != "end_date" || !strings.Contains(err.Error(), "90 days") {
		t.Errorf("a span over 90 days: %v", err)
	}
	backwards := url.Values{"start_date": {"2026-06-01T00:00:00+08:00"}, "end_date": {"2026-05-01T00:00:00+08:00"}}
	if _, err := ParseRequestsQuery(backwards, now); dispatcher.ErrorField(err) != "end_date" {
		t.Errorf("end before start: %v", err)
	}
}
