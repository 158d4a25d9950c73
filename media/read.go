package media

import (
	"bytes"
	"fmt"
	"io"

	"cityhub/dispatcher"
)

// Read reads one uploaded file from r: its type sniffed from its first bytes (Sniff), then at most
// that type's limit, so that an oversized file is refused without being read whole. field names
// the form field in the errors: EInvalid for an empty file, EUnsupported for a type the hub does
// not keep, ETooLarge over the limit. A failure to read r is returned as it is (the caller says
// what a body too large for its request means in its own terms).
func Read(r io.Reader, limits Limits, field string) ([]byte, string, error) {
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, "", err
	}
	if n == 0 {
		return nil, "", dispatcher.FieldError(field, "文件为空 (the file is empty)")
	}
	typ, err := Sniff(head[:n])
	if err != nil {
		return nil, "", &dispatcher.Error{Code: dispatcher.EUnsupported, Field: field, Message: dispatcher.ErrorMessage(err)}
	}
	limit := limits.For(typ)
	buf := bytes.NewBuffer(make([]byte, 0, min(limit, 4<<20)+1))
	buf.Write(head[:n])
	if _, err := io.Copy(buf, io.LimitReader(r, limit+1-int64(n))); err != nil {
		return nil, "", err
	}
	if int64(buf.Len()) > limit {
		return nil, "", TooLarge(typ, limit, field)
	}
	return buf.Bytes(), typ, nil
}

// TooLarge is the refusal of a file over its type's limit.
func TooLarge(typ string, limit int64, field string) error {
	kind, en := "图片", "a photo"
	if IsVideo(typ) {
		kind, en = "视频", "a video"
	}
	size := sizeText(limit)
	return &dispatcher.Error{Code: dispatcher.ETooLarge, Field: field,
		Message: fmt.Sprintf("文件过大：%s最多 %s (the file is too large: %s may be at most %s)", kind, size, en, size)}
}

// sizeText writes a limit in MB when it is a whole number of them, else in KB.
func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", (n+1023)>>10)
}
