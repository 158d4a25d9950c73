package web

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// compressed gzips an answer when the client accepts it and the answer is large enough to gain
// (gzhttp's default: 1,400 bytes). It wraps only the JSON routes that can answer megabytes (a
// console's snapshot of 5,000 open cases is about 3 MB of JSON, a tenth of that gzipped), never the
// websocket stream, whose connection is taken over.
func compressed(h http.Handler) http.Handler { return gzhttp.GzipHandler(h) }
