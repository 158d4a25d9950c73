// Package httperr maps the domain's error codes to HTTP status codes: the one place every channel
// (JSON API, Open311, WeChat) asks.
package httperr

import (
	"net/http"

	"cityhub/dispatcher"
)

// Status is the HTTP status for err.
func Status(err error) int {
	switch dispatcher.ErrorCode(err) {
	case "":
		return http.StatusOK
	case dispatcher.EInvalid, dispatcher.EOutside:
		return http.StatusBadRequest
	case dispatcher.EUnauthorized:
		return http.StatusUnauthorized
	case dispatcher.EForbidden:
		return http.StatusForbidden
	case dispatcher.ENotFound:
		return http.StatusNotFound
	case dispatcher.EConflict, dispatcher.EDuplicate:
		return http.StatusConflict
	case dispatcher.ETooMany:
		return http.StatusTooManyRequests
	case dispatcher.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case dispatcher.EUnsupported:
		return http.StatusUnsupportedMediaType
	case dispatcher.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
