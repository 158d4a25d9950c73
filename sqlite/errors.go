package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"cityhub/dispatcher"

	"github.com/mattn/go-sqlite3"
)

// storeErr turns a database error into a *dispatcher.Error: EUnavailable when the database is
// locked, full or failing, EInternal otherwise. A *dispatcher.Error passes through unchanged.
func storeErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *dispatcher.Error
	if errors.As(err, &de) {
		return err
	}
	code := dispatcher.EInternal
	if unavailable(err) {
		code = dispatcher.EUnavailable
	}
	return &dispatcher.Error{Code: code, Message: what, Err: err}
}

func unavailable(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrIoErr, sqlite3.ErrFull,
			sqlite3.ErrCantOpen, sqlite3.ErrReadonly, sqlite3.ErrProtocol:
			return true
		}
	}
	return errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, context.DeadlineExceeded)
}

// constraint reports whether err is the violation of a constraint of the given extended kind.
func constraint(err error, kind sqlite3.ErrNoExtended) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == kind
}

// notFound is the error for a missing row.
func notFound(format string, args ...any) error {
	return dispatcher.Errorf(dispatcher.ENotFound, format, args...)
}
