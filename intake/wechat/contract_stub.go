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

const (
	KeyReport = "REPORT"
	KeyTrack  = "TRACK"
	KeyHelp   = "HELP"
)

// TEMPORARY: the API helper's client, as TEAM.md fixes it.
type Client struct{}

func (c *Client) DownloadMedia(ctx context.Context, mediaID string) ([]byte, string, error) {
	return nil, "", nil
}
func (c *Client) SendText(ctx context.Context, openID, text string) error { return nil }
func (c *Client) SendTemplate(ctx context.Context, openID, templateID, url string, data map[string]string) error {
	return nil
}

type APIError struct {
	Code    int
	Message string
}

func (e *APIError) Error() string         { return e.Message }
func (e *APIError) Retryable() bool       { return false }
func OutsideServiceWindow(err error) bool { return false }
