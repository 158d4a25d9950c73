package web

// pageRoutes lists the HTML pages and the consoles' built assets (not in the OpenAPI document).
func (s *Server) pageRoutes() []route { return nil }
