package redis

import (
	"context"
	"strconv"
	"sync"
	"time"

	"cityhub/dispatcher"
)

// Wake-ups are published in rounds. Every case write rings the doorbell, and a PUBLISH per write
// cost a Redis round trip per report, although a wake-up only says "events up to id N exist": one
// carrying the largest id of the writes that committed meanwhile tells the other instances as
// much as all of them. So Publish only hands the id to one goroutine, which publishes one round
// at a time; the ids that arrive while a PUBLISH is in flight are gathered into the next round,
// which carries their largest. Publish never waits for Redis (dispatcher.Bus requires it): the
// caller's events are committed already, and a wake-up that never goes out only delays the other
// instances' consoles until their next poll of the store.

// outbox is the largest id waiting for the next round (0 when none).
type outbox struct {
	mu   sync.Mutex
	next int64
	ring chan struct{} // tells the publisher that next is set
}

// Publish rings the doorbell: local subscribers of this Client at once, then, from the publisher
// goroutine, every Client with the same prefix through PUBLISH on <prefix>:events, carrying
// lastEventID or a larger id published at about the same time. It never blocks. A PUBLISH that
// fails is counted in PublishFailures and logged at most once a minute; Publish itself fails only
// once the Client is closed.
func (c *Client) Publish(_ context.Context, lastEventID int64) error {
	if c.ctx.Err() != nil {
		return dispatcher.Errorf(dispatcher.EUnavailable, "publishing a wake-up: the redis client is closed")
	}
	c.fanout(lastEventID)
	c.out.add(lastEventID)
	return nil
}

// add puts id into the round being gathered.
func (o *outbox) add(id int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.next = max(o.next, id)
	select {
	case o.ring <- struct{}{}:
	default:
	}
}

// take hands the gathered id to the publisher (0 if none).
func (o *outbox) take() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	id := o.next
	o.next = 0
	return id
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
		if id := c.out.take(); id != 0 {
			c.publishRound(id)
		}
	}
}

// publishRound sends one PUBLISH, bounded by OpTimeout.
func (c *Client) publishRound(id int64) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.OpTimeout)
	defer cancel()
	err := c.rdb.Publish(ctx, c.channel, strconv.FormatInt(id, 10)).Err()
	if err == nil || c.ctx.Err() != nil {
		return
	}
	c.publishFailures.Add(1)
	now := time.Now().Unix()
	if last := c.publishLogged.Load(); now-last >= 60 && c.publishLogged.CompareAndSwap(last, now) {
		c.log.Warn("redis: publishing a wake-up failed; other instances' consoles poll the store meanwhile",
			"err", failure("publishing a wake-up", err), "failures", c.publishFailures.Load())
	}
}
