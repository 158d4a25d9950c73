package web

// sessionRoutes lists the browser sign-in: /login, the session cookie, sign-out.
func (s *Server) sessionRoutes() []route { return nil }
