package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
)

// Formats, by extension.
const (
	formatXML  = "xml"
	formatJSON = "json"
)

// Content types of the answers: text/xml for XML, as the specification's format support section
// and the discovery document's formats say.
const (
	contentXML  = "text/xml; charset=utf-8"
	contentJSON = "application/json; charset=utf-8"
)

// The documents below carry both encodings' names. Lists are bare arrays in JSON and a root element
// around repeated children in XML; the XML forms keep every element of the specification, empty when
// there is nothing to say, where JSON says null.

// Discovery is the service discovery document.
type Discovery struct {
	XMLName    xml.Name   `xml:"discovery" json:"-"`
	Changeset  string     `xml:"changeset" json:"changeset"`
	Contact    string     `xml:"contact" json:"contact"`
	KeyService string     `xml:"key_service" json:"key_service"`
	Endpoints  []Endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

// Endpoint is one API endpoint of the discovery document.
type Endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

// Service is one service type (an item of the event catalogue).
type Service struct {
	XMLName     xml.Name `xml:"service" json:"-"`
	ServiceCode string   `xml:"service_code" json:"service_code"`
	ServiceName string   `xml:"service_name" json:"service_name"`
	Description string   `xml:"description" json:"description"`
	Metadata    bool     `xml:"metadata" json:"metadata"`
	Type        string   `xml:"type" json:"type"`
	Keywords    string   `xml:"keywords" json:"keywords"`
	Group       string   `xml:"group" json:"group"`
}

// servicesXML is the XML root of GET Service List.
type servicesXML struct {
	XMLName  xml.Name  `xml:"services"`
	Services []Service `xml:"service"`
}

// ServiceDefinition is a service's extra attributes; ours have none.
type ServiceDefinition struct {
	XMLName     xml.Name    `xml:"service_definition" json:"-"`
	ServiceCode string      `xml:"service_code" json:"service_code"`
	Attributes  []Attribute `xml:"attributes>attribute" json:"attributes"`
}

// serviceDefinitionXML writes <attributes/> even when the list is empty.
type serviceDefinitionXML struct {
	XMLName     xml.Name `xml:"service_definition"`
	ServiceCode string   `xml:"service_code"`
	Attributes  struct {
		Attribute []Attribute `xml:"attribute"`
	} `xml:"attributes"`
}

// Attribute is an attribute of a service definition (none are defined; the type documents the shape).
type Attribute struct {
	Variable            bool             `xml:"variable" json:"variable"`
	Code                string           `xml:"code" json:"code"`
	Datatype            string           `xml:"datatype" json:"datatype"`
	Required            bool             `xml:"required" json:"required"`
	DatatypeDescription string           `xml:"datatype_description" json:"datatype_description"`
	Order               int              `xml:"order" json:"order"`
	Description         string           `xml:"description" json:"description"`
	Values              []AttributeValue `xml:"values>value" json:"values,omitempty"`
}

// AttributeValue is one choice of a list attribute.
type AttributeValue struct {
	Key  string `xml:"key" json:"key"`
	Name string `xml:"name" json:"name"`
}

// Created is the answer to POST Service Request.
type Created struct {
	ServiceRequestID string  `json:"service_request_id"`
	ServiceNotice    *string `json:"service_notice"`
	AccountID        *string `json:"account_id"`
}

type createdXML struct {
	XMLName          xml.Name `xml:"request"`
	ServiceRequestID string   `xml:"service_request_id"`
	ServiceNotice    string   `xml:"service_notice"`
	AccountID        string   `xml:"account_id"`
}

// Request is one service request as GET Service Request(s) shows it. Nil means null.
type Request struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Status            string   `json:"status"`
	StatusNotes       *string  `json:"status_notes"`
	ServiceName       *string  `json:"service_name"`
	ServiceCode       string   `json:"service_code"`
	Description       *string  `json:"description"`
	AgencyResponsible *string  `json:"agency_responsible"`
	ServiceNotice     *string  `json:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime"`
	UpdatedDatetime   *string  `json:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime"`
	Address           *string  `json:"address"`
	AddressID         *string  `json:"address_id"`
	Zipcode           *string  `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          *string  `json:"media_url"`
	// NonPublic is mySociety's non_public, present (true) only on a private request, which only
	// the api key that submitted it reads.
	NonPublic bool `json:"non_public,omitempty"`
	// Extended is the extension's extended_attributes, with extensions=true only.
	Extended *Extended `json:"extended_attributes,omitempty"`
}

type requestXML struct {
	XMLName           xml.Name `xml:"request"`
	ServiceRequestID  string   `xml:"service_request_id"`
	Status            string   `xml:"status"`
	StatusNotes       string   `xml:"status_notes"`
	ServiceName       string   `xml:"service_name"`
	ServiceCode       string   `xml:"service_code"`
	Description       string   `xml:"description"`
	AgencyResponsible string   `xml:"agency_responsible"`
	ServiceNotice     string   `xml:"service_notice"`
	RequestedDatetime string   `xml:"requested_datetime"`
	UpdatedDatetime   string   `xml:"updated_datetime"`
	ExpectedDatetime  string   `xml:"expected_datetime"`
	Address           string   `xml:"address"`
	AddressID         string   `xml:"address_id"`
	Zipcode           string   `xml:"zipcode"`
	Lat               string   `xml:"lat"`
	Long              string   `xml:"long"`
	MediaURL          string   `xml:"media_url"`
	NonPublic         string   `xml:"non_public,omitempty"`
	Extended          *xmlExtended
}

func (r Request) xml() requestXML {
	return requestXML{
		ServiceRequestID: r.ServiceRequestID, Status: r.Status, StatusNotes: deref(r.StatusNotes),
		ServiceName: deref(r.ServiceName), ServiceCode: r.ServiceCode, Description: deref(r.Description),
		AgencyResponsible: deref(r.AgencyResponsible), ServiceNotice: deref(r.ServiceNotice),
		RequestedDatetime: r.RequestedDatetime, UpdatedDatetime: deref(r.UpdatedDatetime),
		ExpectedDatetime: deref(r.ExpectedDatetime), Address: deref(r.Address),
		AddressID: deref(r.AddressID), Zipcode: deref(r.Zipcode), Lat: formatFloat(r.Lat),
		Long: formatFloat(r.Long), MediaURL: deref(r.MediaURL), NonPublic: xmlTrue(r.NonPublic),
		Extended: r.Extended.xml(),
	}
}

// serviceRequestsXML is the XML root of every answer about requests.
type serviceRequestsXML struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []any    `xml:"request"`
}

// Error is one error of the specification's error list.
type Error struct {
	Code        int    `xml:"code" json:"code"`
	Description string `xml:"description" json:"description"`
}

type errorsXML struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []Error  `xml:"error"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// xmlTrue is "true" for true and nothing for false: Perl's XML readers take any text as true.
func xmlTrue(b bool) string {
	if b {
		return "true"
	}
	return ""
}

func formatFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// encode marshals v (already shaped for the format) with the XML declaration in front for XML.
func encode(format string, v any) ([]byte, error) {
	if format == formatJSON {
		b, err := json.Marshal(v)
		return append(b, '\n'), err
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func contentType(format string) string {
	if format == formatJSON {
		return contentJSON
	}
	return contentXML
}

// write sends a document; a failure to encode (a bug) becomes a 500 error list.
func (h *handler) write(w http.ResponseWriter, format string, status int, v any) {
	b, err := encode(format, v)
	if err != nil {
		h.log.Error("open311: encoding the answer failed", "err", err)
		status = http.StatusInternalServerError
		b, _ = encode(format, errorList(format, status, "internal error"))
	}
	w.Header().Set("Content-Type", contentType(format))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// errorList shapes one error for the format.
func errorList(format string, status int, description string) any {
	errs := []Error{{Code: status, Description: description}}
	if format == formatJSON {
		return errs
	}
	return errorsXML{Errors: errs}
}
