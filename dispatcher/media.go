package dispatcher

import (
	"context"
	"io"
	"slices"
	"time"
)

// Attachments (README, "Attachments"). A photo or video is uploaded on its own and named by the
// SHA-256 of its bytes; a report's or an action's `media` then lists the hashes, which go into the
// event's data (so the audit chain covers them) and into Case.Media. The store keeps an index
// from each hash to the cases whose Media carries it, written in the same transaction as the
// case, and serving asks it who may see the file.

// Media is the record of one uploaded file.
type Media struct {
	SHA256 string `json:"sha256"`
	Type   string `json:"type"` // the original's type, sniffed from its content
	Size   int64  `json:"size"` // the original's size in bytes
	Width  int    `json:"width"`
	Height int    `json:"height"` // upright; 0 for a video (not read)
	GPS    *Point `json:"gps"`    // the EXIF (or XMP) position as the camera wrote it; null when absent
	// PublicType is the type of the stripped copy served outside the command centre, "" when that
	// copy is the original itself (a video).
	PublicType string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"` // the first upload
}

// MediaVariant names one stored copy of a file.
type MediaVariant string

const (
	MediaOriginal  MediaVariant = "original"  // as uploaded: the command centre's
	MediaPublic    MediaVariant = "public"    // stripped of metadata, orientation applied: everyone else's
	MediaThumbnail MediaVariant = "thumbnail" // a JPEG about 320 px
)

// MediaContent is what a store keeps of an upload. Public and Thumbnail are nil for a video.
type MediaContent struct {
	Original, Public, Thumbnail []byte
}

// MediaFile is one stored copy, open for reading (http.ServeContent reads it with ranges).
type MediaFile interface {
	io.ReadSeekCloser
}

// MediaStore keeps uploaded files. SQLite keeps them as files under the data directory,
// PostgreSQL in the database so that every instance serves them. Both pass storetest.RunMedia.
type MediaStore interface {
	// PutMedia stores the record and the copies and returns only once they are durable. The same
	// hash stored again keeps the first record and copies; uploader is added to its uploaders.
	PutMedia(ctx context.Context, m *Media, content MediaContent, uploader string) error
	// Media returns the record of a hash (ENotFound when none was stored).
	Media(ctx context.Context, sha256 string) (*Media, error)
	// MediaUploadedBy reports whether login uploaded the file.
	MediaUploadedBy(ctx context.Context, sha256, login string) (bool, error)
	// MediaCases returns up to limit ids of the cases whose Media carries the hash, ascending.
	MediaCases(ctx context.Context, sha256 string, limit int) ([]int64, error)
	// OpenMedia opens one copy (ENotFound when the file or that copy is not stored).
	OpenMedia(ctx context.Context, sha256 string, v MediaVariant) (MediaFile, error)
}

// MaxCaseMedia bounds the attachments of one case, all reports and actions together.
const MaxCaseMedia = 100

// IsMediaHash reports whether s is a hash as uploads are named: 64 lower-case hex digits.
func IsMediaHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// errNoMedia is the one answer for a file that is missing or that the actor may not see.
func errNoMedia() error { return Errorf(ENotFound, "附件不存在 (no such attachment)") }

// mediaStore is the configured store or an EUnavailable error.
func (s *Service) mediaStore() (MediaStore, error) {
	if s.media == nil {
		return nil, Errorf(EUnavailable, "此服务未配置附件存储 (this hub keeps no attachments)")
	}
	return s.media, nil
}

// PutMedia stores an upload for the actor and returns its record (the first one, if the same
// bytes were uploaded before). Every signed-in person may upload; what they may attach it to is
// checked when they attach it.
func (s *Service) PutMedia(ctx context.Context, actor Actor, m Media, content MediaContent) (*Media, error) {
	ms, err := s.mediaStore()
	if err != nil {
		return nil, err
	}
	if !IsMediaHash(m.SHA256) || int64(len(content.Original)) != m.Size {
		return nil, Errorf(EInternal, "media record does not match its content")
	}
	m.CreatedAt = s.Now()
	if err := ms.PutMedia(ctx, &m, content, actor.Login); err != nil {
		return nil, err
	}
	return ms.Media(ctx, m.SHA256)
}

// MediaFor returns the record of a file the actor may see: one they uploaded, or one a case they
// may see carries. Any other hash, stored or not, is the same ENotFound.
func (s *Service) MediaFor(ctx context.Context, actor Actor, sha256 string) (*Media, error) {
	ms, err := s.mediaStore()
	if err != nil {
		return nil, err
	}
	if !IsMediaHash(sha256) {
		return nil, errNoMedia()
	}
	m, err := ms.Media(ctx, sha256)
	if ErrorCode(err) == ENotFound {
		return nil, errNoMedia()
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.mayUseMedia(ctx, ms, actor, sha256)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoMedia()
	}
	return m, nil
}

// OpenMedia opens the copy of a file the actor gets: the original for the command centre, the
// stripped copy for everyone else, or the thumbnail. A video has no thumbnail: the file is nil
// and the caller shows a placeholder.
func (s *Service) OpenMedia(ctx context.Context, actor Actor, sha256 string, thumbnail bool) (*Media, MediaVariant, MediaFile, error) {
	m, err := s.MediaFor(ctx, actor, sha256)
	if err != nil {
		return nil, "", nil, err
	}
	v := MediaPublic
	switch {
	case thumbnail && m.PublicType == "":
		return m, MediaThumbnail, nil, nil
	case thumbnail:
		v = MediaThumbnail
	case actor.InCentre() || actor.Role == System || m.PublicType == "":
		v = MediaOriginal
	}
	f, err := s.media.OpenMedia(ctx, sha256, v)
	if ErrorCode(err) == ENotFound {
		return nil, "", nil, Errorf(EInternal, "media %s: the %s copy is missing", sha256, v)
	}
	return m, v, f, err
}

// MediaType is the Content-Type of a copy.
func (m *Media) MediaType(v MediaVariant) string {
	switch {
	case v == MediaThumbnail:
		return "image/jpeg"
	case v == MediaPublic && m.PublicType != "":
		return m.PublicType
	}
	return m.Type
}

// mayUseMedia: the uploader, and whoever may see a case whose Media carries the hash. The case
// itself is read, not only the index, so that a row of the index alone grants nothing.
func (s *Service) mayUseMedia(ctx context.Context, ms MediaStore, actor Actor, sha256 string) (bool, error) {
	mine, err := ms.MediaUploadedBy(ctx, sha256, actor.Login)
	if err != nil || mine {
		return mine, err
	}
	ids, err := ms.MediaCases(ctx, sha256, 1000)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	f := CaseFilter{IDs: ids, Limit: len(ids)}
	if !actor.InCentre() && actor.Role != System {
		f.VisibleTo = actor.Unit
	}
	page, err := s.store.ListCases(ctx, f)
	if err != nil {
		return false, err
	}
	for _, c := range page.Cases {
		if CanSeeCase(actor, c) && slices.Contains(c.Media, sha256) {
			return true, nil
		}
	}
	return false, nil
}

// checkAttach refuses, naming field, any hash of media that is not stored or that the actor may
// not use (the same message for both, so that nobody learns which files exist). Entries that are
// not hashes (a report's links) are left alone.
func (s *Service) checkAttach(ctx context.Context, actor Actor, field string, media []string) error {
	for _, h := range media {
		if !IsMediaHash(h) {
			continue
		}
		_, err := s.MediaFor(ctx, actor, h)
		if ErrorCode(err) == ENotFound {
			return FieldError(field, "未知的附件 %s，请先上传 (unknown attachment %s: upload the file with POST /api/v1/media first)", h, h)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// attach adds the hashes an action carries to the case (each once) and to the event's data.
func (tx *change) attach(media []string, data map[string]any) (map[string]any, error) {
	if len(media) == 0 {
		return data, nil
	}
	for _, h := range media {
		if !slices.Contains(tx.c.Media, h) {
			tx.c.Media = append(tx.c.Media, h)
		}
	}
	if len(tx.c.Media) > MaxCaseMedia {
		return nil, FieldError("media", "案件附件已达上限 %d 个 (a case carries at most %d attachments)", MaxCaseMedia, MaxCaseMedia)
	}
	if data == nil {
		data = map[string]any{}
	}
	data["media"] = media
	return data, nil
}

// MediaLister is implemented by media stores that can list what they keep, so that `cityhub
// migrate` carries a district's attachments over with its cases.
type MediaLister interface {
	// MediaHashes pages through the stored files' hashes in ascending order.
	MediaHashes(ctx context.Context, after string, limit int) ([]string, error)
	// MediaUploaders lists who uploaded a file, in any order.
	MediaUploaders(ctx context.Context, sha256 string) ([]string, error)
}
