package redis

import (
	"context"
	"strings"

	"cityhub/dispatcher"
)

// Signals between instances (dispatcher.Signals): PUBLISH on <prefix>:sig:<topic>; every instance
// runs one PSUBSCRIBE to <prefix>:sig:* and hands what it gets to its own listeners. Like the
// telephone's ring they carry, a signal nobody hears is gone.
type Signals struct {
	c     *Client
	local *dispatcher.LocalSignals
}

var _ dispatcher.Signals = (*Signals)(nil)

// Signals starts the client's signal subscription; it ends with the client.
func (c *Client) Signals() *Signals {
	s := &Signals{c: c, local: dispatcher.NewLocalSignals()}
	pattern := c.opts.Prefix + ":sig:"
	ps := c.rdb.PSubscribe(c.ctx, pattern+"*")
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer ps.Close()
		ch := ps.Channel()
		for {
			select {
			case <-c.ctx.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				s.local.Deliver(strings.TrimPrefix(m.Channel, pattern), []byte(m.Payload))
			}
		}
	}()
	return s
}

// Signal implements dispatcher.Signals.
func (s *Signals) Signal(ctx context.Context, topic string, msg []byte) error {
	return s.c.rdb.Publish(ctx, s.c.opts.Prefix+":sig:"+topic, msg).Err()
}

// Listen implements dispatcher.Signals.
func (s *Signals) Listen(topic string) (<-chan []byte, func()) { return s.local.Listen(topic) }
