package open311

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"cityhub/dispatcher"
	"cityhub/media"
)

// Media upload on POST requests (the "media handling" extension of GeoReport v2): the form comes
// as multipart/form-data, its fields as text parts and its photos as file parts. FixMyStreet, with
// its endpoint's upload options on, sends them so: every parameter as a part, then one part per
// photo named photo1, photo2... with a file name and the photo's type; it drops media_url then.
// Any file part is taken as a photo (or a short video), whatever its name.

// MaxUploads is the most files one request may carry.
const MaxUploads = 4

// maxFieldBytes bounds the text fields of a multipart form, all together (as DefaultMaxBodyBytes
// bounds a form-encoded body).
const maxFieldBytes = DefaultMaxBodyBytes

// upload is one file part, read and its type sniffed.
type upload struct {
	field, name, typ string
	data             []byte
}

// readMultipart reads a multipart/form-data body: the text fields into values, the files into
// uploads. A file over its type's limit is ETooLarge; a type the hub does not keep is EInvalid.
func (h *handler) readMultipart(w http.ResponseWriter, r *http.Request) (url.Values, []upload, error) {
	limits := h.opts.MediaLimits
	r.Body = http.MaxBytesReader(w, r.Body, maxFieldBytes+MaxUploads*limits.Max()+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, dispatcher.Errorf(dispatcher.EInvalid, "multipart 请求体格式错误 (malformed multipart/form-data body: %v)", err)
	}
	values, fieldBytes := url.Values{}, 0
	var files []upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return values, files, nil
		}
		if err != nil {
			return nil, nil, bodyError(err)
		}
		if part.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(part, int64(maxFieldBytes-fieldBytes)+1))
			if err != nil {
				return nil, nil, bodyError(err)
			}
			if fieldBytes += len(v); fieldBytes > maxFieldBytes {
				return nil, nil, errTooLarge{limit: maxFieldBytes}
			}
			values.Add(part.FormName(), string(v))
			continue
		}
		if len(files) == MaxUploads {
			return nil, nil, dispatcher.FieldError(part.FormName(), "一次最多上传 %d 个文件 (at most %d files per request)", MaxUploads, MaxUploads)
		}
		f, err := readUploadPart(part, limits)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
}

// readUploadPart reads a file part as every upload is read (media.Read). A type the hub does not
// keep is a 400 here: the specification's error codes have no 415 for a part.
func readUploadPart(part *multipart.Part, limits media.Limits) (upload, error) {
	f := upload{field: part.FormName(), name: part.FileName()}
	var err error
	f.data, f.typ, err = media.Read(part, limits, f.field)
	switch e, refused := err.(*dispatcher.Error); {
	case err == nil:
		return f, nil
	case !refused:
		return upload{}, bodyError(err)
	case e.Code == dispatcher.EUnsupported:
		return upload{}, &dispatcher.Error{Code: dispatcher.EInvalid, Field: f.field, Message: f.name + " " + e.Message}
	}
	return upload{}, err
}

// bodyError says what went wrong with reading the body.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errTooLarge{limit: tooBig.Limit}
	}
	return dispatcher.Errorf(dispatcher.EInvalid, "multipart 请求体读取失败 (the multipart body could not be read: %v)", err)
}

// storeUploads keeps the files as the hub keeps every upload (the original for the centre, a copy
// stripped of EXIF and every other metadata for everyone else, a thumbnail) and returns their
// hashes, in the order sent. Decoding a photo takes a core: one request decodes one at a time.
func (h *handler) storeUploads(ctx context.Context, actor dispatcher.Actor, files []upload) ([]string, error) {
	var hashes []string
	for _, f := range files {
		up, err := h.process(ctx, f)
		if err != nil {
			return nil, err
		}
		rec, err := h.svc.PutMedia(ctx, actor, up.Media, up.Content)
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, rec.SHA256)
	}
	return hashes, nil
}

func (h *handler) process(ctx context.Context, f upload) (*media.Upload, error) {
	select {
	case h.decoding <- struct{}{}:
		defer func() { <-h.decoding }()
	case <-ctx.Done():
		return nil, dispatcher.Errorf(dispatcher.EUnavailable, "上传已取消 (the upload was cancelled)")
	}
	up, err := media.Process(f.data, f.typ)
	if err != nil {
		return nil, &dispatcher.Error{Code: dispatcher.ErrorCode(err), Field: f.field,
			Message: strings.TrimSpace(f.name + " " + dispatcher.ErrorMessage(err))}
	}
	return up, nil
}
