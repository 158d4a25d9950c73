// Package media reads what a person uploads as an attachment (a photo or a short video): it
// decides the type from the content alone, bounds the size, reads an image's EXIF orientation and
// GPS position, and makes the two copies of an image that the hub serves besides the original: a
// stripped copy (every byte re-encoded from the pixels, so no EXIF, XMP, IPTC, comment or
// embedded thumbnail survives, with the orientation applied) and a JPEG thumbnail.
//
// Videos are kept as uploaded: their metadata is not rewritten and they get no thumbnail (the
// hub serves a placeholder image instead).
package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"net/http"
	"strings"

	"github.com/bep/imagemeta"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the WebP decoder with package image

	"cityhub/dispatcher"
)

// Default limits. A phone photo is 2 to 8 MB; a short clip of a street at 720p is 10 to 40 MB.
const (
	DefaultMaxImage = 10 << 20
	DefaultMaxVideo = 50 << 20
	// MaxPixels bounds the pixels of an image: a small PNG can claim 30000 x 30000 pixels, which
	// would take gigabytes to decode. 50 million is more than any phone camera's default.
	MaxPixels = 50_000_000
	// ThumbSide is the longest side of a thumbnail, in pixels.
	ThumbSide = 320
	// SniffLen is how many bytes Sniff needs to see.
	SniffLen = 512
)

// The types the hub takes, as http.DetectContentType names them (the WHATWG sniffing rules).
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	WebP = "image/webp"
	MP4  = "video/mp4"
	WebM = "video/webm"
)

// Limits bound an upload's size by kind.
type Limits struct {
	Image int64 // bytes; 0 means DefaultMaxImage
	Video int64 // bytes; 0 means DefaultMaxVideo
}

// For is the limit that applies to content of type typ.
func (l Limits) For(typ string) int64 {
	if IsVideo(typ) {
		return cmp(l.Video, DefaultMaxVideo)
	}
	return cmp(l.Image, DefaultMaxImage)
}

// Max is the larger of the two limits: what an upload of unknown type may be.
func (l Limits) Max() int64 { return max(l.For(JPEG), l.For(MP4)) }

func cmp(v, def int64) int64 {
	if v <= 0 {
		return def
	}
	return v
}

// IsVideo reports whether typ is one of the video types.
func IsVideo(typ string) bool { return strings.HasPrefix(typ, "video/") }

// Sniff decides the type from the first bytes of the content (at least SniffLen of them when the
// content is that long), never from what the client says it is. Anything but JPEG, PNG, WebP,
// MP4 and WebM is EUnsupported.
func Sniff(head []byte) (string, error) {
	typ := http.DetectContentType(head)
	switch typ {
	case JPEG, PNG, WebP, MP4, WebM:
		return typ, nil
	}
	return "", &dispatcher.Error{Code: dispatcher.EUnsupported, Field: "file",
		Message: "只接受 JPEG、PNG、WebP 图片和 MP4、WebM 视频；该文件的内容是 " + typ +
			" (only JPEG, PNG and WebP photos and MP4 and WebM videos are accepted; the content is " + typ + ")"}
}

// Upload is an upload as the hub keeps it: its record and its stored copies.
type Upload struct {
	Media   dispatcher.Media
	Content dispatcher.MediaContent
}

// Process reads content whose type Sniff decided and makes what the hub stores. It refuses an
// image it cannot decode (EInvalid) or one of more than MaxPixels (ETooLarge). It does not check
// the size in bytes: the caller stops reading at the limit.
func Process(data []byte, typ string) (*Upload, error) {
	sum := sha256.Sum256(data)
	up := &Upload{Media: dispatcher.Media{SHA256: hex.EncodeToString(sum[:]), Type: typ, Size: int64(len(data))},
		Content: dispatcher.MediaContent{Original: data}}
	if IsVideo(typ) {
		return up, nil // kept as uploaded (README, "Attachments")
	}
	if err := processImage(up, data, typ); err != nil {
		return nil, err
	}
	return up, nil
}

// processImage fills in the dimensions, the GPS position, the stripped copy and the thumbnail.
func processImage(up *Upload, data []byte, typ string) error {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return damaged()
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return &dispatcher.Error{Code: dispatcher.ETooLarge, Field: "file",
			Message: "图片像素过多，最多 5000 万像素 (the image has more than 50 million pixels)"}
	}
	meta := readMeta(data, typ)
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return damaged()
	}
	pic := orient(toRGBA(img), meta.orientation)
	b := pic.Bounds()
	up.Media.Width, up.Media.Height, up.Media.GPS = b.Dx(), b.Dy(), meta.gps
	if up.Content.Public, up.Media.PublicType, err = stripped(pic, typ); err != nil {
		return err
	}
	up.Content.Thumbnail, err = Thumbnail(pic)
	return err
}

func damaged() error {
	return dispatcher.FieldError("file", "图片已损坏或无法解码 (the image is damaged or cannot be decoded)")
}

// stripped encodes the pixels again: PNG stays PNG (lossless, keeps transparency); JPEG and WebP
// become JPEG (the Go libraries kept up to date decode WebP but do not encode it).
func stripped(pic *image.RGBA, typ string) ([]byte, string, error) {
	var buf bytes.Buffer
	if typ == PNG {
		err := png.Encode(&buf, pic)
		return buf.Bytes(), PNG, err
	}
	err := jpeg.Encode(&buf, onWhite(pic), &jpeg.Options{Quality: 90})
	return buf.Bytes(), JPEG, err
}

// Thumbnail scales pic down so that its longest side is at most ThumbSide (never up), on a white
// background (a JPEG has no transparency), as a JPEG.
func Thumbnail(pic image.Image) ([]byte, error) {
	b := pic.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > ThumbSide {
		w = max(1, int(math.Round(float64(w)*ThumbSide/float64(long))))
		h = max(1, int(math.Round(float64(h)*ThumbSide/float64(long))))
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), pic, b, draw.Over, nil)
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80})
	return buf.Bytes(), err
}

// onWhite is pic over a white background when it has any transparency, else pic itself.
func onWhite(pic *image.RGBA) image.Image {
	if pic.Opaque() {
		return pic
	}
	dst := image.NewRGBA(pic.Bounds())
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), pic, pic.Bounds().Min, draw.Over)
	return dst
}

// toRGBA copies img into an RGBA image whose bounds start at (0, 0).
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// orient turns src upright according to its EXIF orientation (1 to 8; anything else is left as
// it is): the camera stores the sensor's rows and says how to turn them, and the stripped copy,
// which has no EXIF any more, must carry the turn in its pixels.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 { // the four orientations that swap width and height
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := orientedAt(o, x, y, w, h)
			copy(dst.Pix[dy*dst.Stride+dx*4:dy*dst.Stride+dx*4+4], src.Pix[y*src.Stride+x*4:y*src.Stride+x*4+4])
		}
	}
	return dst
}

// orientedAt is where the stored pixel (x, y) of a w x h image goes once turned upright.
func orientedAt(o, x, y, w, h int) (int, int) {
	switch o {
	case 2: // mirrored left to right
		return w - 1 - x, y
	case 3: // upside down
		return w - 1 - x, h - 1 - y
	case 4: // mirrored top to bottom
		return x, h - 1 - y
	case 5: // mirrored along the main diagonal
		return y, x
	case 6: // needs a quarter turn clockwise
		return h - 1 - y, x
	case 7: // mirrored along the other diagonal
		return h - 1 - y, w - 1 - x
	case 8: // needs a quarter turn anticlockwise
		return y, w - 1 - x
	}
	return x, y
}

// meta is what the hub reads of an image's metadata.
type meta struct {
	orientation int
	gps         *dispatcher.Point
}

// readMeta reads the EXIF orientation and the GPS position (EXIF, else XMP). Metadata that cannot
// be read is left out: the photo is still worth keeping.
func readMeta(data []byte, typ string) (m meta) {
	defer func() {
		if recover() != nil { // a tag of an unexpected type in a hostile file
			m = meta{}
		}
	}()
	format := map[string]imagemeta.ImageFormat{JPEG: imagemeta.JPEG, PNG: imagemeta.PNG, WebP: imagemeta.WebP}[typ]
	var tags imagemeta.Tags
	_, err := imagemeta.Decode(imagemeta.Options{R: bytes.NewReader(data), ImageFormat: format,
		Sources: imagemeta.EXIF | imagemeta.XMP,
		HandleTag: func(ti imagemeta.TagInfo) error {
			tags.Add(ti)
			return nil
		}})
	if err != nil {
		return m
	}
	if ti, ok := tags.EXIF()["Orientation"]; ok {
		if v, ok := ti.Value.(uint16); ok {
			m.orientation = int(v)
		}
	}
	if lat, lng, err := tags.GetLatLong(); err == nil && validPosition(lat, lng) {
		m.gps = &dispatcher.Point{Lat: lat, Lng: lng}
	}
	return m
}

// validPosition leaves out what a camera writes when it has no fix: zeros, NaN, out of range.
func validPosition(lat, lng float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lng) && math.Abs(lat) <= 90 && math.Abs(lng) <= 180 &&
		(lat != 0 || lng != 0)
}

// Placeholder is the thumbnail of a video: a dark 320 x 180 frame with a light "play" triangle.
func Placeholder() []byte {
	const w, h = ThumbSide, 180
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	dark, light := color.RGBA{0x30, 0x33, 0x3a, 0xff}, color.RGBA{0xe8, 0xea, 0xed, 0xff}
	draw.Draw(img, img.Bounds(), image.NewUniform(dark), image.Point{}, draw.Src)
	for y := 0; y < h; y++ { // a triangle pointing right, 60 px wide, centred
		for x := 0; x < w; x++ {
			dx, dy := x-(w/2-25), y-h/2
			if dx >= 0 && dx <= 60 && 2*abs(dy) <= 60-dx {
				img.Set(x, y, light)
			}
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return buf.Bytes()
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
