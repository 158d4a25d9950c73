package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"cityhub/dispatcher"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 64 << 10

// decodeJSON reads exactly one JSON object into v, refusing unknown fields, wrong types, trailing
// data and oversized bodies with an EInvalid error that names the field at fault.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return dispatcher.FieldError("Content-Type", "请求体须为 JSON (Content-Type must be application/json)")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return dispatcher.FieldError("body", "请求体只能包含一个 JSON 对象 (the body must hold exactly one JSON object)")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &typeErr):
		return dispatcher.FieldError(typeErr.Field, "字段 %s 的类型错误：应为 %s (wrong type for %s: want %s)", typeErr.Field, typeErr.Type, typeErr.Field, typeErr.Type)
	case errors.As(err, &syntaxErr):
		return dispatcher.FieldError("body", "JSON 格式错误，位置 %d (malformed JSON at offset %d)", syntaxErr.Offset, syntaxErr.Offset)
	case errors.As(err, &maxErr):
		return dispatcher.FieldError("body", "请求体过大 (the body is larger than %d bytes)", maxJSONBody)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return dispatcher.FieldError("body", "请求体为空或不完整 (the body is empty or cut short)")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return dispatcher.FieldError(field, "未知字段 %q (unknown field)", field)
	}
	return dispatcher.FieldError("body", "无法解析请求体 (cannot read the body): %v", err)
}
