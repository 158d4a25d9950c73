package web

// mediaRoutes lists attachments: upload and serving of photos and videos.
func (s *Server) mediaRoutes() []route { return nil }
