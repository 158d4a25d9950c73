package dispatcher

import (
	"testing"
	"time"
)

// TestKeyCacheForgetWinsOverAnEarlierRead: a key read from the store before it was disabled (and
// so forgotten) is not remembered when the reader comes back with it.
func TestKeyCacheForgetWinsOverAnEarlierRead(t *testing.T) {
	var c keyCache
	now := time.Now()
	k := &APIKey{Hash: "5e884898da28"}
	generation := c.generation()
	c.forget(k.Hash) // disabled while the reader was at the store
	c.put(k, generation, now)
	if _, ok := c.get(k.Hash, now); ok {
		t.Fatal("a key read before it was forgotten was remembered")
	}
	c.put(k, c.generation(), now)
	if _, ok := c.get(k.Hash, now); !ok {
		t.Fatal("a key read after the last forget was not remembered")
	}
}
