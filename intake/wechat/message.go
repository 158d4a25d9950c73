package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Message is one message or event WeChat pushed, decoded from its XML.
type Message struct {
	ToUserName, FromUserName                           string
	CreateTime                                         int64
	MsgType                                            string // text image voice video shortvideo location link event
	MsgID                                              uint64 // 0 for events
	Content                                            string // text
	PicURL, MediaID, Format, Recognition, ThumbMediaID string
	LocationX, LocationY                               float64 // Location_X = latitude, Location_Y = longitude, GCJ-02
	Scale                                              int
	Label                                              string
	Title, Description, URL                            string  // link
	Event, EventKey, Ticket                            string  // event: subscribe unsubscribe LOCATION CLICK VIEW SCAN
	Latitude, Longitude, Precision                     float64 // LOCATION event (GCJ-02)
}

// DedupKey names the message for de-duplication of WeChat's retries: "msg:<MsgId>" for messages,
// "event:<FromUserName>:<CreateTime>:<Event>" for events (which have no MsgId). A message without
// a MsgId (WeChat always sends one; a fallback all the same, so that two such messages never
// share "msg:0") is keyed "msg:<FromUserName>:<CreateTime>:<MsgType>".
func (m *Message) DedupKey() string {
	switch {
	case m.MsgType == "event":
		return "event:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.Event
	case m.MsgID == 0:
		return "msg:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.MsgType
	}
	return "msg:" + strconv.FormatUint(m.MsgID, 10)
}

// rawMessage is the XML as it comes: numbers stay text so that a bad one gets an error naming it.
type rawMessage struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string
	FromUserName string
	CreateTime   string
	MsgType      string
	MsgID        string `xml:"MsgId"`
	Content      string
	PicURL       string `xml:"PicUrl"`
	MediaID      string `xml:"MediaId"`
	Format       string
	Recognition  string
	ThumbMediaID string `xml:"ThumbMediaId"`
	LocationX    string `xml:"Location_X"`
	LocationY    string `xml:"Location_Y"`
	Scale        string
	Label        string
	Title        string
	Description  string
	URL          string `xml:"Url"`
	Event        string
	EventKey     string
	Ticket       string
	Latitude     string
	Longitude    string
	Precision    string
	Encrypt      string // safe and compatible modes
}

// parseRaw decodes a body that must be exactly one <xml> element: no DTD (no entity tricks), no
// second element, no text outside it.
func parseRaw(body []byte) (*rawMessage, error) {
	if err := checkShape(body); err != nil {
		return nil, err
	}
	var raw rawMessage
	if err := xml.Unmarshal(body, &raw); err != nil {
		return nil, invalid("XML 无效 (invalid XML)")
	}
	return &raw, nil
}

// checkShape walks the tokens once before decoding: encoding/xml would skip a DOCTYPE and stop
// after the first element, and both must be refused, not ignored.
func checkShape(body []byte) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	depth, roots := 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return invalid("XML 无效 (invalid XML)")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return invalid("不接受 DOCTYPE 或实体声明 (DOCTYPE and ENTITY declarations are refused)")
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 || t.Name.Local != "xml" || t.Name.Space != "" {
					return invalid("消息须为单个 <xml> 元素 (the body must be a single <xml> element)")
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return invalid("消息须为单个 <xml> 元素 (the body must be a single <xml> element)")
			}
		}
	}
	if roots != 1 || depth != 0 {
		return invalid("消息须为单个 <xml> 元素 (the body must be a single <xml> element)")
	}
	return nil
}

// ParseMessage decodes a plaintext message or event (a decrypted one, or a plaintext-mode body).
func ParseMessage(body []byte) (*Message, error) {
	raw, err := parseRaw(body)
	if err != nil {
		return nil, err
	}
	return raw.message()
}

// message checks the fields every push carries and converts the numbers.
func (r *rawMessage) message() (*Message, error) {
	m := &Message{
		ToUserName: r.ToUserName, FromUserName: r.FromUserName, MsgType: r.MsgType,
		Content: r.Content, PicURL: r.PicURL, MediaID: r.MediaID, Format: r.Format,
		Recognition: r.Recognition, ThumbMediaID: r.ThumbMediaID, Label: r.Label,
		Title: r.Title, Description: r.Description, URL: r.URL,
		Event: r.Event, EventKey: r.EventKey, Ticket: r.Ticket,
	}
	if m.ToUserName == "" || m.FromUserName == "" || m.MsgType == "" {
		return nil, invalid("消息缺少 ToUserName、FromUserName 或 MsgType (message lacks ToUserName, FromUserName or MsgType)")
	}
	if m.MsgType == "event" && m.Event == "" {
		return nil, invalid("事件缺少 Event (event lacks Event)")
	}
	p := numbers{}
	m.CreateTime = p.int64("CreateTime", r.CreateTime, true)
	if m.MsgType != "event" {
		m.MsgID = p.uint64("MsgId", r.MsgID)
	}
	m.LocationX = p.float("Location_X", r.LocationX)
	m.LocationY = p.float("Location_Y", r.LocationY)
	m.Scale = int(p.int64("Scale", r.Scale, false))
	m.Latitude = p.float("Latitude", r.Latitude)
	m.Longitude = p.float("Longitude", r.Longitude)
	m.Precision = p.float("Precision", r.Precision)
	return m, p.err
}

// numbers parses numeric fields, keeping the first error. An absent field is 0.
type numbers struct{ err error }

func (p *numbers) fail(field string) {
	if p.err == nil {
		p.err = invalid("%s 不是有效的数字 (%s is not a valid number)", field, field)
	}
}

func (p *numbers) int64(field, s string, required bool) int64 {
	s = strings.TrimSpace(s)
	if s == "" && !required {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.fail(field)
	}
	return n
}

func (p *numbers) uint64(field, s string) uint64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		p.fail(field)
	}
	return n
}

func (p *numbers) float(field, s string) float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e9 || f < -1e9 { // no NaN nor Inf: coordinates and precisions only
		p.fail(field)
	}
	return f
}
