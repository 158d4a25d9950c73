package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/web/stream"
)

// shortTimeouts is a hub whose HTTP server gives up on slow and idle clients after 300 ms.
func shortTimeouts(t *testing.T) *hub {
	return startHubWith(t, func(c *Config) {
		c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	})
}

// closedWithin reports whether the server closes the connection (after answering, or not) before
// the wait ends; what it answered is returned.
func closedWithin(t *testing.T, conn net.Conn, wait time.Duration) (bool, string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(wait))
	got, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false, string(got)
	}
	return true, string(got)
}

// A client that sends its body slowly is cut off.
func TestSlowBodyIsCutOff(t *testing.T) {
	h := shortTimeouts(t)
	conn, err := net.Dial("tcp", h.m.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /api/v1/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"login\":")
	if closed, got := closedWithin(t, conn, 10*time.Second); !closed {
		t.Fatalf("a body that stalls after 9 of 100 bytes kept the connection open (got %q)", got)
	}
}

// A keep-alive connection left idle after a request is closed.
func TestIdleConnectionIsClosed(t *testing.T) {
	h := shortTimeouts(t)
	conn, err := net.Dial("tcp", h.m.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 200 || resp.Close {
		t.Fatalf("healthz on a keep-alive connection: %v, %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if closed, got := closedWithin(t, conn, 10*time.Second); !closed {
		t.Fatalf("an idle keep-alive connection stayed open (got %q)", got)
	}
}

// The stream outlives the server's timeouts: the hijacked connection does not keep their
// deadlines. (Tokens and the report go through the service: a sign-in, a bcrypt under the race
// detector, may itself take longer than these timeouts.)
func TestStreamOutlivesTheServerTimeouts(t *testing.T) {
	h := shortTimeouts(t)
	ctx := context.Background()
	disp, err := h.m.svc.CreateToken(ctx, "disp1")
	if err != nil {
		t.Fatal(err)
	}
	conn := h.stream(disp, 0)
	readUntil(t, conn, stream.TypeLive)
	time.Sleep(time.Second) // past every timeout of the server
	op, err := h.m.store.Account(ctx, "op1")
	if err != nil {
		t.Fatal(err)
	}
	p := dispatcher.Point{Lat: 28.95, Lng: 106.60}
	if _, err := h.m.svc.Submit(ctx, op.Actor(), dispatcher.Complaint{Channel: dispatcher.ChannelHotline, Category: "0501",
		Location: dispatcher.Location{Point: p, Original: p, Datum: dispatcher.WGS84}}); err != nil {
		t.Fatal(err)
	}
	readUntil(t, conn, "case.dispatched")
}

// seriesPattern is the name and labels of a sample line of /metrics.
var seriesPattern = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?) `)

// metricsSeries returns the series of /metrics (name and labels of each sample) and its size.
func metricsSeries(t *testing.T, handler http.Handler) ([]string, int) {
	t.Helper()
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	var series []string
	for line := range strings.Lines(rec.Body.String()) {
		if m := seriesPattern.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "#") {
			series = append(series, m[1])
		}
	}
	return series, rec.Body.Len()
}

// 20,000 requests with invented methods and paths leave the series of /metrics and its size
// where they were: every label value comes from a closed set.
func TestMetricsLabelsAreClosedSets(t *testing.T) {
	h := startHub(t)
	handler := h.m.srv.Handler
	invent := func(i int) {
		r := httptest.NewRequest("GET", fmt.Sprintf("/no/such/path/%d", i), nil)
		r.Method = fmt.Sprintf("FOO%d", i)
		handler.ServeHTTP(httptest.NewRecorder(), r)
		r = httptest.NewRequest("GET", fmt.Sprintf("/api/v1/me/%d", i), nil)
		r.Method = fmt.Sprintf("BAR%d", i)
		handler.ServeHTTP(httptest.NewRecorder(), r)
	}
	for i := range 10 { // the series an invented request makes, once
		invent(i)
	}
	metricsSeries(t, handler) // and those of /metrics itself
	before, sizeBefore := metricsSeries(t, handler)
	for i := range 20_000 {
		invent(1000 + i)
	}
	after, sizeAfter := metricsSeries(t, handler)
	isRequestSeries := func(s string) bool { return strings.HasPrefix(s, "cityhub_http_") }
	if b, a := slices.DeleteFunc(slices.Clone(before), func(s string) bool { return !isRequestSeries(s) }),
		slices.DeleteFunc(slices.Clone(after), func(s string) bool { return !isRequestSeries(s) }); !slices.Equal(a, b) {
		t.Fatalf("the request series changed: %d before, %d after 20,000 invented requests", len(b), len(a))
	}
	if len(after) != len(before) {
		t.Errorf("%d series before, %d after", len(before), len(after))
	}
	// The counts have more digits now; nothing else may grow.
	if sizeAfter > sizeBefore+2048 {
		t.Errorf("/metrics grew from %d to %d bytes", sizeBefore, sizeAfter)
	}
	t.Logf("/metrics: %d series, %d bytes before; %d series, %d bytes after", len(before), sizeBefore, len(after), sizeAfter)
}
