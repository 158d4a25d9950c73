package web

// adminRoutes lists the admin pages' API: accounts, api keys, calendar, categories, gazetteer,
// campaigns.
// Every route is the admin's alone (the service refuses anyone else with 403), and every answer is
// an object with "warnings": what the admin must be told on every page (next year's calendar).
func (s *Server) adminRoutes() []route {
	h := func(p string, fn authedHandler) route { return route{p, s.authed(fn)} }
	return []route{
		h("GET /api/v1/admin/accounts", s.handleAdminAccounts),
		h("POST /api/v1/admin/accounts", s.handleAdminCreateAccount),
		h("PATCH /api/v1/admin/accounts/{login}", s.handleAdminUpdateAccount),
		h("POST /api/v1/admin/accounts/{login}/password", s.handleAdminResetPassword),
		h("GET /api/v1/admin/apikeys", s.handleAdminAPIKeys),
		h("POST /api/v1/admin/apikeys", s.handleAdminCreateAPIKey),
		h("PATCH /api/v1/admin/apikeys/{id}", s.handleAdminUpdateAPIKey),
		h("GET /api/v1/admin/calendar/{year}", s.handleAdminCalendar),
		h("PUT /api/v1/admin/calendar/{year}", s.handleAdminPutCalendar),
		h("GET /api/v1/admin/categories", s.handleAdminCategories),
		h("GET /api/v1/admin/categories/{code}", s.handleAdminCategory),
		h("PUT /api/v1/admin/categories/{code}", s.handleAdminPutCategory),
		h("GET /api/v1/admin/places", s.handleAdminPlaces),
		h("POST /api/v1/admin/places", s.handleAdminCreatePlace),
		h("PUT /api/v1/admin/places/{id}", s.handleAdminPutPlace),
		h("DELETE /api/v1/admin/places/{id}", s.handleAdminDeletePlace),
		h("GET /api/v1/admin/campaigns", s.handleAdminCampaigns),
		h("PUT /api/v1/admin/campaigns", s.handleAdminPutCampaigns),
		h("GET /api/v1/admin/log", s.handleAdminLog),
	}
}
