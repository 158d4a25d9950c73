package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// measureDelivery files n reports through instance from at about 100 per second and times how long
// each case's dispatch event takes to reach a console connected to instance to: from the event's
// own time (written by the first instance, before its commit) to its arrival (same machine clock).
func measureDelivery(from, to, key string, n int) error {
	token, err := login(to, "disp1", "load-test")
	if err != nil {
		return err
	}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+to+"/api/v1/stream?access_token="+url.QueryEscape(token), nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := skipBacklog(conn); err != nil {
		return err
	}
	got := make(chan time.Duration, n)
	ended := make(chan error, 1)
	go func() { ended <- readDeliveries(conn, got) }()
	go postSteadily(from, key, n, 10*time.Millisecond)
	var lat []time.Duration
	timeout := time.After(time.Duration(n)*10*time.Millisecond + 30*time.Second)
	for len(lat) < n {
		select {
		case d := <-got:
			lat = append(lat, d)
		case err := <-ended:
			return fmt.Errorf("the console's stream ended after %d of %d deliveries: %w", len(lat), n, err)
		case <-timeout:
			return fmt.Errorf("only %d of %d deliveries arrived", len(lat), n)
		}
	}
	pct := percentiles(lat)
	fmt.Printf("Event delivery %s -> console on %s (through the shared store and Redis), %d reports at 100/s\n", from, to, n)
	fmt.Printf("  latency p50 %v  p90 %v  p99 %v  max %v\n", pct(.5).Round(time.Microsecond),
		pct(.9).Round(time.Microsecond), pct(.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	return nil
}

// readDeliveries sends the delay of every dispatch event until the stream ends, and returns why
// it ended.
func readDeliveries(conn *websocket.Conn, got chan<- time.Duration) error {
	for {
		var m struct {
			Type string    `json:"type"`
			At   time.Time `json:"at"`
		}
		if err := conn.ReadJSON(&m); err != nil {
			return err
		}
		if m.Type == "case.dispatched" {
			got <- time.Since(m.At)
		}
	}
}

func postSteadily(addr, key string, n int, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := 0; i < n; i++ {
		<-tick.C
		form := url.Values{"api_key": {key}, "service_code": {"0501"}, "lat": {"28.95"}, "long": {"106.60"},
			"description": {"投递延迟测试"}}
		resp, err := http.PostForm("http://"+addr+"/open311/v2/requests.json", form)
		if err == nil {
			resp.Body.Close()
		}
	}
}

func login(addr, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"login": user, "password": password})
	resp, err := http.Post("http://"+addr+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("login as %s: status %d", user, resp.StatusCode)
	}
	return out.Token, nil
}

// skipBacklog reads the events the throughput phase left until the stream says it is live.
func skipBacklog(conn *websocket.Conn) error {
	conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	defer conn.SetReadDeadline(time.Time{})
	for {
		var m struct{ Type string }
		if err := conn.ReadJSON(&m); err != nil {
			return fmt.Errorf("console backlog: %w", err)
		}
		if m.Type == "stream.live" {
			return nil
		}
	}
}

// watch keeps a command-centre console open on each instance during the throughput phase, as the
// operators' consoles are in service, and returns a function that closes them and says how many
// case events they received.
func watch(addrs []string) (func() int64, error) {
	var conns []*websocket.Conn
	var received atomic.Int64
	var wg sync.WaitGroup
	closeAll := func() int64 {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
		return received.Load()
	}
	for _, addr := range addrs {
		token, err := login(addr, "disp1", "load-test")
		if err != nil {
			closeAll()
			return nil, err
		}
		conn, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/api/v1/stream?access_token="+url.QueryEscape(token), nil)
		if err != nil {
			closeAll()
			return nil, err
		}
		conns = append(conns, conn)
		if err := skipBacklog(conn); err != nil {
			closeAll()
			return nil, err
		}
		wg.Go(func() {
			for {
				var m struct{ Type string }
				if err := conn.ReadJSON(&m); err != nil {
					return
				}
				if strings.HasPrefix(m.Type, "case.") {
					received.Add(1)
				}
			}
		})
	}
	return closeAll, nil
}
