package web

// adminRoutes lists the admin pages' API: accounts, api keys, calendar, categories, gazetteer.
func (s *Server) adminRoutes() []route { return nil }
