package redis

import (
	"context"
	"strconv"
	"sync"

	"cityhub/dispatcher"
)

// Wake-ups are published in rounds. Every case write rings the doorbell, and a PUBLISH per write
// cost a Redis round trip per report, although a wake-up only says "events up to id N exist": one
// carrying the largest id of the writes that committed meanwhile tells the other instances as
// much as all of them. So one goroutine publishes, one PUBLISH at a time; the ids that arrive
// while one is in flight are gathered into the next round, which carries their largest.

// outbox is the round being gathered.
type outbox struct {
	mu   sync.Mutex
	next *round        // nil when nothing waits
	ring chan struct{} // tells the publisher that next is not empty
}

// round is one PUBLISH and the callers waiting for it.
type round struct {
	id   int64
	err  error
	done chan struct{}
}

// Publish rings the doorbell: local subscribers of this Client at once, then every Client with
// the same prefix through PUBLISH on <prefix>:events, carrying lastEventID or a larger id
// published at the same time. It returns once that PUBLISH has been answered, never after more
// than about twice OpTimeout; when Redis does not answer in time it returns an EUnavailable error
// (and counts it in PublishFailures). The caller has committed the events already, so a
// cancelled ctx does not stop the PUBLISH: only OpTimeout bounds it.
func (c *Client) Publish(ctx context.Context, lastEventID int64) error {
	c.fanout(lastEventID)
	r := c.out.add(lastEventID)
	select {
	case <-r.done:
	case <-c.ctx.Done():
		c.publishFailures.Add(1)
		return dispatcher.Errorf(dispatcher.EUnavailable, "publishing a wake-up: the redis client is closed")
	}
	if r.err != nil {
		c.publishFailures.Add(1)
	}
	return r.err
}

// add puts id into the round being gathered and returns that round.
func (o *outbox) add(id int64) *round {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.next == nil {
		o.next = &round{done: make(chan struct{})}
		select {
		case o.ring <- struct{}{}:
		default:
		}
	}
	o.next.id = max(o.next.id, id)
	return o.next
}

// take hands the gathered round to the publisher (nil if none).
func (o *outbox) take() *round {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.next
	o.next = nil
	return r
}

// publisher sends the rounds, one at a time, until Close.
func (c *Client) publisher() {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.out.ring:
		}
		r := c.out.take()
		if r == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.opts.OpTimeout)
		if err := c.rdb.Publish(ctx, c.channel, strconv.FormatInt(r.id, 10)).Err(); err != nil {
			r.err = failure("publishing a wake-up", err)
		}
		cancel()
		close(r.done)
	}
}
