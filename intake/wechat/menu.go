package wechat

import "context"

// The keys of the default menu's buttons: a CLICK on one arrives as an event with this EventKey.
const (
	KeyReport = "REPORT" // 我要举报: start a report
	KeyTrack  = "TRACK"  // 我的诉求: the citizen's cases
	KeyHelp   = "HELP"   // 帮助
)

// Menu is an official account's custom menu (自定义菜单): up to 3 buttons, each with up to 5
// sub-buttons.
type Menu struct {
	Buttons []Button `json:"button"`
}

// Button is one menu button: Type "click" (with Key) or "view" (with URL), or a group of
// SubButtons (no Type).
type Button struct {
	Type       string   `json:"type,omitempty"`
	Name       string   `json:"name"`
	Key        string   `json:"key,omitempty"`
	URL        string   `json:"url,omitempty"`
	SubButtons []Button `json:"sub_button,omitempty"`
}

// DefaultMenu is the hub's menu: report, track, help.
func DefaultMenu() Menu {
	return Menu{Buttons: []Button{
		{Type: "click", Name: "我要举报", Key: KeyReport},
		{Type: "click", Name: "我的诉求", Key: KeyTrack},
		{Type: "click", Name: "帮助", Key: KeyHelp},
	}}
}

// CreateMenu replaces the account's menu with m (it reaches the citizens' phones within minutes).
func (c *Client) CreateMenu(ctx context.Context, m Menu) error {
	return c.postJSON(ctx, "/cgi-bin/menu/create", m)
}
