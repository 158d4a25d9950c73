package web

// consoleAPIRoutes lists what the consoles need beyond the case API: snapshots, places, route previews, nearby cases.
func (s *Server) consoleAPIRoutes() []route { return nil }
