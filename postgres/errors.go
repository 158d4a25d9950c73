package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5/pgconn"
)

// storeErr turns a database error into a *dispatcher.Error; a *dispatcher.Error passes through
// unchanged.
//
//   - the server cannot be reached, is shutting down or starting up, the connection broke, the
//     pool is closed, the deadline passed: EUnavailable (retry later);
//   - the unique index on (channel, external_id): EDuplicate;
//   - another unique violation (a case number or an event seq already taken): EConflict;
//   - anything else: EInternal.
//
// ENotFound and the EConflict of a stale version are decided by the callers, which know what they
// looked for.
func storeErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *dispatcher.Error
	if errors.As(err, &de) {
		return err
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) { // whatever the reason (refused, shutting down, ...), no connection
		return &dispatcher.Error{Code: dispatcher.EUnavailable, Message: what + ": the database cannot be reached (" + connectReason(err) + "); retry later", Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505" && pe.ConstraintName == "cases_external":
			return &dispatcher.Error{Code: dispatcher.EDuplicate, Message: "this channel message was already accepted", Err: err}
		case pe.Code == "23505" && pe.ConstraintName == "events_case_id_seq_key":
			return &dispatcher.Error{Code: dispatcher.EConflict, Message: "the case already has an event with this sequence number", Err: err}
		case pe.Code == "23505" && pe.ConstraintName == "cases_number_key":
			return &dispatcher.Error{Code: dispatcher.EConflict, Message: "the case number is taken", Err: err}
		case pe.Code == "23505":
			return &dispatcher.Error{Code: dispatcher.EConflict, Message: what + ": a row with this key exists", Err: err}
		case serverUnavailable(pe.Code):
			return &dispatcher.Error{Code: dispatcher.EUnavailable, Message: what + ": the database is unavailable (" + pe.Message + "); retry later", Err: err}
		}
		return &dispatcher.Error{Code: dispatcher.EInternal, Message: what, Err: err}
	}
	if reason := connectionLost(err); reason != "" {
		return &dispatcher.Error{Code: dispatcher.EUnavailable, Message: what + ": the database is unavailable (" + reason + "); retry later", Err: err}
	}
	return &dispatcher.Error{Code: dispatcher.EInternal, Message: what, Err: err}
}

// serverUnavailable reports whether a SQLSTATE says the server cannot serve now: connection
// exceptions (08), admin or crash shutdown and "the database system is starting up" (57P01-03),
// insufficient resources such as too many connections (53), a transaction rolled back to break a
// deadlock or a serialization failure (40001, 40P01: retrying succeeds), a cancelled or timed-out
// statement (57014).
func serverUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"):
		return true
	}
	switch code {
	case "57P01", "57P02", "57P03", "57014", "40001", "40P01":
		return true
	}
	return false
}

// connectionLost names the reason when err is the loss of (or the failure to get) a connection,
// and is "" otherwise.
func connectionLost(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "request cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &ne):
		return "network error"
	case strings.Contains(err.Error(), "closed pool"):
		return "the store is closed"
	}
	return ""
}

// connectReason says briefly why a connection attempt failed.
func connectReason(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	if reason := connectionLost(err); reason != "" && reason != "cannot connect" {
		return reason
	}
	return "cannot connect"
}

// notFound is the error for a missing row.
func notFound(format string, args ...any) error {
	return dispatcher.Errorf(dispatcher.ENotFound, format, args...)
}

// pgCode is the SQLSTATE of err, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
