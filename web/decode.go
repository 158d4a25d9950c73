package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 64 << 10

// decodeJSON reads exactly one JSON object into v. It refuses, with an EInvalid error that names
// the field at fault and says what it should be, unknown fields, wrong types, a name given twice
// (encoding/json would keep the last silently) and trailing data; a body over maxJSONBody is
// ETooLarge (413).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return dispatcher.FieldError("Content-Type", "请求体须为 JSON (Content-Type must be application/json)")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return jsonError(err, nil)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, body)
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return dispatcher.FieldError("body", "请求体只能包含一个 JSON 对象 (the body must hold exactly one JSON object)")
	}
	if dup := scanJSON(body).duplicate; dup != "" {
		return dispatcher.FieldError(dup, "字段 %s 重复出现 (%s is given twice; give it once)", dup, dup)
	}
	return nil
}

func jsonError(err error, body []byte) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var maxErr *http.MaxBytesError
	var timeErr *time.ParseError
	var domainErr *dispatcher.Error
	switch {
	case errors.As(err, &domainErr): // a type's own UnmarshalJSON said what is wrong
		return domainErr
	case errors.As(err, &typeErr):
		return typeError(typeErr)
	case errors.As(err, &syntaxErr):
		return dispatcher.FieldError("body", "JSON 格式错误，位置 %d (malformed JSON at offset %d)", syntaxErr.Offset, syntaxErr.Offset)
	case errors.As(err, &maxErr):
		return &dispatcher.Error{Code: dispatcher.ETooLarge, Field: "body",
			Message: "请求体过大，最多 65536 字节 (the body is larger than 65536 bytes)"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return dispatcher.FieldError("body", "请求体为空或不完整 (the body is empty or cut short)")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return dispatcher.FieldError(field, "未知字段 %q (unknown field)", field)
	case errors.As(err, &timeErr), strings.HasPrefix(err.Error(), "Time.UnmarshalJSON"):
		field := scanJSON(body).badTime
		if field == "" {
			field = "body"
		}
		return dispatcher.FieldError(field, "%s 须为 RFC 3339 时间，如 2026-11-27T09:30:00+08:00 (%s must be an RFC 3339 time such as 2026-11-27T09:30:00+08:00)", field, field)
	}
	return dispatcher.FieldError("body", "无法解析请求体 (cannot read the body)")
}

// typeError says which field has the wrong type and what it should be, in words (never a Go type).
func typeError(e *json.UnmarshalTypeError) error {
	if e.Field == "" {
		return dispatcher.FieldError("body", "请求体须为 JSON 对象 (the body must be a JSON object; got %s)", e.Value)
	}
	zh, en := expected(e.Type)
	return dispatcher.FieldError(e.Field, "字段 %s 应为%s (%s must be %s; got %s)", e.Field, zh, e.Field, en, e.Value)
}

// expected names, in Chinese and English, the JSON value a Go type takes.
func expected(t reflect.Type) (zh, en string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "文本", "a string"
	case reflect.Bool:
		return " true 或 false", "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数", "a whole number in range"
	case reflect.Float32, reflect.Float64:
		return "数字", "a number in range"
	case reflect.Slice, reflect.Array:
		return "列表", "a list"
	}
	return "对象", "an object"
}

// jsonScan is what scanJSON finds in a body: the first name given twice in one object, and the
// first time field ("at", "..._at") whose value is not an RFC 3339 string, each as a dotted path
// (list indexes left out, as encoding/json names fields).
type jsonScan struct {
	duplicate string
	badTime   string
}

// scanJSON walks the first JSON value of body. Names are compared as encoding/json matches them
// to fields, without regard to case: {"lat":1,"LAT":2} gives lat twice.
func scanJSON(body []byte) jsonScan {
	type frame struct {
		object, wantKey bool
		keys            map[string]string // folded name -> the name as first written
		path, key       string
	}
	var out jsonScan
	var stack []*frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	valueDone := func() {
		if f := top(); f != nil && f.object {
			f.wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		f := top()
		if f != nil && f.object && f.wantKey {
			if k, ok := tok.(string); ok {
				folded := strings.ToLower(k)
				if first, seen := f.keys[folded]; seen && out.duplicate == "" {
					out.duplicate = joinPath(f.path, first)
				} else if !seen {
					f.keys[folded] = k
				}
				f.key, f.wantKey = k, false
				continue
			}
		}
		path := ""
		if f != nil {
			path = f.path
			if f.object {
				path = joinPath(f.path, f.key)
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, wantKey: true, keys: map[string]string{}, path: path})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{path: path})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			if f != nil && f.object && isTimeName(f.key) && !isTime(tok) && out.badTime == "" {
				out.badTime = path
			}
		}
		if len(stack) == 0 {
			return out
		}
		valueDone()
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isTimeName(key string) bool {
	k := strings.ToLower(key)
	return k == "at" || strings.HasSuffix(k, "_at")
}

func isTime(tok json.Token) bool {
	s, ok := tok.(string)
	if !ok {
		return false
	}
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}
