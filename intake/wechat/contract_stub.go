package wechat

// TEMPORARY: the protocol helper's types, as TEAM.md fixes them; removed when its branch merges.

import "context"

type Message struct {
	ToUserName, FromUserName                           string
	CreateTime                                         int64
	MsgType                                            string
	MsgID                                              uint64
	Content                                            string
	PicURL, MediaID, Format, Recognition, ThumbMediaID string
	LocationX, LocationY                               float64
	Scale                                              int
	Label                                              string
	Title, Description, URL                            string
	Event, EventKey, Ticket                            string
	Latitude, Longitude, Precision                     float64
}

type Responder interface {
	Respond(ctx context.Context, m *Message) (Reply, error)
}

type Reply struct{ Text string }
