package web

import (
	"net/http"

	"cityhub/web/console"
)

// consoles serves the built front end; built once per process (the files are in the binary).
var consoles = console.NewHandler(console.Files())

// pageRoutes lists the HTML pages and the consoles' built assets (not in the OpenAPI document).
func (s *Server) pageRoutes() []route {
	index := s.pageAuthed(http.HandlerFunc(consoles.ServeIndex))
	return append(append(append(s.sessionPageRoutes(), s.screenPageRoutes()...), s.reportPageRoutes()...),
		route{"GET /favicon.ico", http.HandlerFunc(serveFavicon)},
		route{"GET /console/assets/{name}", http.HandlerFunc(consoles.ServeAsset)},
		route{"GET /console/{$}", index},
		route{"GET /console/{rest...}", index},
	)
}
