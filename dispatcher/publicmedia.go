package dispatcher

import (
	"context"
	"slices"
)

// PublicPhotos are the photos a public case publishes: those that came with its report, stored
// on the hub (links are the reporter's own). The handling's evidence never is: it shows people
// and premises, and the officers' work is published as results, not pictures.
func PublicPhotos(c *Case) []string {
	if !c.IsPublic() {
		return nil
	}
	var out []string
	for _, m := range c.Media[:min(c.ReportMedia, len(c.Media))] {
		if IsMediaHash(m) {
			out = append(out, m)
		}
	}
	return out
}

// OpenPublicMedia opens, for anyone, the stripped copy of a photo a public case publishes
// (PublicPhotos). Any other hash is the same ENotFound, whether stored or not. A video has no
// stripped copy and is not published.
func (s *Service) OpenPublicMedia(ctx context.Context, sha256 string) (*Media, MediaFile, error) {
	ms, err := s.mediaStore()
	if err != nil {
		return nil, nil, err
	}
	if !IsMediaHash(sha256) {
		return nil, nil, errNoMedia()
	}
	if ok, err := s.publishes(ctx, ms, sha256); err != nil || !ok {
		return nil, nil, notFoundOr(err)
	}
	m, err := ms.Media(ctx, sha256)
	if err != nil || m.PublicType == "" {
		return nil, nil, notFoundOr(err)
	}
	f, err := ms.OpenMedia(ctx, sha256, MediaPublic)
	if err != nil {
		return nil, nil, notFoundOr(err)
	}
	return m, f, nil
}

// publishes reports whether a public case publishes the photo.
func (s *Service) publishes(ctx context.Context, ms MediaStore, sha256 string) (bool, error) {
	ids, err := ms.MediaCases(ctx, sha256, 1000)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	page, err := s.store.ListCases(ctx, CaseFilter{IDs: ids, Published: true, Limit: len(ids)})
	if err != nil {
		return false, err
	}
	for _, c := range page.Cases {
		if slices.Contains(PublicPhotos(c), sha256) {
			return true, nil
		}
	}
	return false, nil
}

// notFoundOr is err, or the one not-found answer when err is nil or a not-found.
func notFoundOr(err error) error {
	if err == nil || ErrorCode(err) == ENotFound {
		return errNoMedia()
	}
	return err
}
