package dispatcher

import (
	"encoding/json"
	"time"
)

// The admin log: every change made through the admin API (accounts, api keys, the work calendar,
// the catalogue's limits and routes, the gazetteer), who made it, when, and the thing changed as
// it was before and after. Each entry is written in the same transaction as its change
// (Store.WriteAdmin), so that no change goes unrecorded and no entry records a change that failed.

// AdminEntry is one change of the admin log.
type AdminEntry struct {
	ID     int64           `json:"id"`
	At     time.Time       `json:"at"`
	Actor  AdminActor      `json:"actor"`
	Action string          `json:"action"` // one of the Admin* actions below
	Target string          `json:"target"` // the login, api key id, year, category code or place id
	Before json.RawMessage `json:"before"` // the thing as it was (null for a creation)
	After  json.RawMessage `json:"after"`  // the thing as it became (null for a deletion)
}

// AdminActor is who made a change (without any certificate).
type AdminActor struct {
	Login string `json:"login"`
	Name  string `json:"name,omitempty"`
	Role  Role   `json:"role"`
	Unit  string `json:"unit"`
}

// The actions of the admin log.
const (
	AdminAccountCreate   = "account.create"
	AdminAccountUpdate   = "account.update"
	AdminAccountPassword = "account.password" // a generated password replaced the old one
	AdminAPIKeyCreate    = "apikey.create"
	AdminAPIKeyUpdate    = "apikey.update"
	AdminCalendarPut     = "calendar.put"
	AdminCategoryPut     = "category.put"
	AdminPlaceCreate     = "place.create"
	AdminPlaceUpdate     = "place.update"
	AdminPlaceDelete     = "place.delete"
	AdminCampaignsPut    = "campaigns.put"
)

// AdminActions lists the actions of the admin log.
var AdminActions = []string{AdminAccountCreate, AdminAccountUpdate, AdminAccountPassword, AdminAPIKeyCreate,
	AdminAPIKeyUpdate, AdminCalendarPut, AdminCategoryPut, AdminPlaceCreate, AdminPlaceUpdate, AdminPlaceDelete,
	AdminCampaignsPut, AdminDisplayCreate, AdminDisplayUpdate}

// AdminWrite is one change of the admin API with its log entry, written by Store.WriteAdmin in one
// transaction, in this order: the account, the revocation of its tokens, the api key, the
// display token, the reference data, the entry.
type AdminWrite struct {
	Entry *AdminEntry // required
	// Account is inserted or replaced; with CreateOnly it must not exist yet (EConflict).
	Account    *Account
	CreateOnly bool
	// RevokeTokens deletes every token of Account.
	RevokeTokens bool
	APIKey       *APIKey // inserted or replaced
	// Display is inserted (DisplayCreate: EConflict if its name is taken) or replaced by its hash.
	Display       *DisplayToken
	DisplayCreate bool
	// Reference replaces the reference data, provided its version is still ReferenceVersion
	// (EConflict otherwise: another change was saved since it was read).
	Reference        *Reference
	ReferenceVersion int64
}

// AdminLogFilter selects entries of the admin log. Zero values select everything.
type AdminLogFilter struct {
	Target string
	Action string
	Before int64 // entries with an id below it (paging back)
	Limit  int   // 0 means 100
}
