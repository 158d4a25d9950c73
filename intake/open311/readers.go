package open311

import (
	"context"
	"net/url"

	"cityhub/dispatcher"
)

// readerKey is the id of the api key a GET presents in api_key, or "" when it presents none. GETs
// need no key: without one a client reads what the public may read; with one it also reads the
// private reports that key submitted (FixMyStreet's update fetcher sends its key on every GET of
// servicerequestupdates). A key that is not valid is refused with 403, as on POST, before the
// request is looked at, so the answer says nothing about any report.
func (h *handler) readerKey(ctx context.Context, values url.Values) (string, error) {
	k, err := form{values: values}.single("api_key")
	if err != nil || k == "" {
		return "", err
	}
	key, err := h.svc.CheckAPIKey(ctx, k)
	if err != nil {
		return "", err
	}
	return key.ID(), nil
}

// readable reports whether a client presenting the api key keyID ("" for none) may read the case
// through this endpoint: a public case, or a private one that key submitted.
func (h *handler) readable(c *dispatcher.Case, keyID string) bool {
	if h.opts.Channel != "" && c.Channel != h.opts.Channel {
		return false
	}
	return c.IsPublic() || (keyID != "" && c.APIKey == keyID)
}
