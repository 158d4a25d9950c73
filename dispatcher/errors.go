package dispatcher

import (
	"errors"
	"fmt"
)

// Error codes. One code per kind of failure the outside world must tell apart; the web layer maps
// each code to an HTTP status and to the channel's own error format (JSON problem, Open311 list).
const (
	EInvalid      = "invalid"      // the request is malformed or breaks a rule of its own
	ENotFound     = "not_found"    // no such case, account, category...
	EUnauthorized = "unauthorized" // no or bad credentials
	EForbidden    = "forbidden"    // the actor's role or unit may not do this
	EConflict     = "conflict"     // the action does not fit the case's current state
	EOutside      = "outside"      // the point lies outside the district
	EUnavailable  = "unavailable"  // a dependency is down; retry later
	EInternal     = "internal"     // a bug or an unexpected failure
	ETooMany      = "rate_limited" // too many requests
	EDuplicate    = "duplicate"    // the same channel message was already accepted
	ETooLarge     = "too_large"    // the request body is larger than the hub accepts
	EUnsupported  = "unsupported"  // an upload whose content is of a type the hub does not take
)

// Error is the one error type of the domain. Message is safe to show to the person who made the
// request; Field names the input at fault, when there is one.
type Error struct {
	Code    string
	Message string
	Field   string
	Err     error // wrapped cause, never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError is an EInvalid error about one named input.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for any other error and
// "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-safe message of err; internal errors get a generic text so that no
// detail of the machine leaks out.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the input field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
