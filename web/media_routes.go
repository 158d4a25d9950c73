package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"cityhub/dispatcher"
	"cityhub/media"
)

// mediaRoutes lists attachments: upload and serving of photos and videos.
func (s *Server) mediaRoutes() []route {
	return []route{
		{"POST /api/v1/media", s.authed(s.handleUpload)},
		{"GET /api/v1/media/{sha256}", s.authed(s.handleMedia)},
		{"GET /api/v1/media/{sha256}/thumbnail", s.authed(s.handleThumbnail)},
	}
}

// uploadTime is how long an upload may take to arrive: the server's read timeout (30 s) is a
// JSON body's, and 50 MB over a street's mobile link takes minutes.
const uploadTime = 10 * time.Minute

// multipartSlack is what the multipart framing around the file may add to the body.
const multipartSlack = 64 << 10

// handleUpload takes one file in the multipart field "file", decides its type from its content,
// bounds its size by that type, makes its copies and stores it, and answers 201 once it is durable.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(uploadTime)) // not every writer has deadlines (tests)
	_ = rc.SetWriteDeadline(time.Now().Add(uploadTime + time.Minute))
	data, typ, err := s.readUpload(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	up, err := s.process(r, data, typ)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.svc.PutMedia(r.Context(), a.Actor(), up.Media, up.Content)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/media/"+rec.SHA256)
	writeJSON(w, http.StatusCreated, map[string]any{"media": rec})
}

// readUpload reads the one part named "file" of a multipart/form-data body: its type sniffed from
// its first bytes, then at most that type's limit.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, "", &dispatcher.Error{Code: dispatcher.EUnsupported, Field: "Content-Type",
			Message: "请以 multipart/form-data 上传，文件放在 file 字段 (send multipart/form-data with the file in the field named file)"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.mediaLimits.Max()+multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", uploadError(err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", dispatcher.FieldError("file", "请在 file 字段中上传一个文件 (the body holds no part named file)")
		}
		if err != nil {
			return nil, "", uploadError(err)
		}
		if name := part.FormName(); name != "file" {
			return nil, "", dispatcher.FieldError(name, "未知字段 %q：只接受 file (unknown field %q: only file is read)", name, name)
		}
		return s.readFile(part)
	}
}

// readFile sniffs and reads one file part.
func (s *Server) readFile(part io.Reader) ([]byte, string, error) {
	data, typ, err := media.Read(part, s.mediaLimits, "file")
	if _, refused := err.(*dispatcher.Error); err != nil && !refused {
		return nil, "", uploadError(err) // the body, not the file
	}
	return data, typ, err
}

// uploadError says what went wrong with reading the body in the API's terms.
func uploadError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return &dispatcher.Error{Code: dispatcher.ETooLarge, Field: "file",
			Message: fmt.Sprintf("请求体过大，最多 %d 字节 (the body is larger than %d bytes)", maxErr.Limit, maxErr.Limit)}
	}
	return dispatcher.FieldError("body", "无法读取 multipart 请求体：%s (cannot read the multipart body: %s)", err, err)
}

// process makes the copies of an upload, a few at a time: decoding a photo takes a core and up to
// a few hundred MB for a moment.
func (s *Server) process(r *http.Request, data []byte, typ string) (*media.Upload, error) {
	select {
	case s.mediaSlots <- struct{}{}:
		defer func() { <-s.mediaSlots }()
	case <-r.Context().Done():
		return nil, dispatcher.Errorf(dispatcher.EUnavailable, "上传已取消 (the upload was cancelled)")
	}
	return media.Process(data, typ)
}

func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.serveMedia(w, r, a, false)
}

func (s *Server) handleThumbnail(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.serveMedia(w, r, a, true)
}

// placeholder is a video's thumbnail, made once.
var placeholder = sync.OnceValue(media.Placeholder)

// serveMedia answers with the copy the account gets, to those who may see it (everyone else gets
// the 404 of a missing file). The content is never run: its own type, no sniffing, a sandbox.
// Its name is its hash, so it never changes: a browser keeps it for a year, for this user only.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request, a *dispatcher.Account, thumbnail bool) {
	sha := r.PathValue("sha256")
	m, v, f, err := s.svc.OpenMedia(r.Context(), a.Actor(), sha, thumbnail)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var content io.ReadSeeker
	etag := `"` + m.SHA256 + `"`
	switch {
	case f == nil: // a video's thumbnail
		content, etag = bytes.NewReader(placeholder()), `"video-placeholder"`
	default:
		defer f.Close()
		content = f
		if v != dispatcher.MediaOriginal {
			etag = `"` + m.SHA256 + "-" + string(v) + `"`
		}
	}
	h := w.Header()
	h.Set("Content-Type", m.MediaType(v))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Vary", "Authorization, Cookie")
	h.Set("ETag", etag)
	h.Set("Content-Disposition", "inline; filename=\""+m.SHA256+extension(m.MediaType(v))+"\"")
	http.ServeContent(w, r, "", time.Time{}, content)
}

// extension is the file name extension of a type the hub serves.
func extension(typ string) string {
	ext, _ := strings.CutPrefix(typ, "image/")
	ext, _ = strings.CutPrefix(ext, "video/")
	if ext == "jpeg" {
		ext = "jpg"
	}
	return "." + ext
}
