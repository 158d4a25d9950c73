// Package open311 is the hub's Open311 GeoReport v2 endpoint: a third-party client (a city app, a
// volunteer's phone app, another government platform) lists the bureau's services, files a report
// and follows it, in XML (the required format) or JSON.
//
// # Mounting
//
// NewHandler serves paths relative to its mount point. The web server mounts it under
// /open311/v2 and strips that prefix:
//
//	mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", open311.NewHandler(svc, opts)))
//
// so that the handler sees /discovery.xml, /services.json, /requests.xml and so on. The links it
// hands out (discovery's endpoint url, the Location of a created request) are the public URL of
// the mount: Options.PublicURL (--public-url) followed by /open311/v2, or, when none is set, the
// request's own Host, with the scheme and host a trusted proxy reports (Options.Proxies).
//
// # Routes
//
//	GET  /discovery.{xml,json}                      service discovery
//	GET  /services.{xml,json}                       the catalogue's items, one service per item code
//	GET  /services/{service_code}.{xml,json}        service definition (no attributes)
//	POST /requests.{xml,json}                       file a report (form-encoded, api_key required)
//	GET  /requests.{xml,json}                       search reports
//	GET  /requests/{service_request_id}.{xml,json}  one report
//	GET  /servicerequestupdates.{xml,json}          status changes (mySociety's extension)
//	POST /servicerequestupdates.{xml,json}          the filing client adds its reporter's comment (postupdate.go)
//	GET  /media/{sha256}.jpg                        a public request's photo, stripped (media.go)
//
// HEAD is answered wherever GET is; any other method gets 405 with an Allow header. An unknown path
// or format extension gets 404. Every route accepts jurisdiction_id: empty or the district id of the
// reference data (e.g. "qijiang"); anything else is 404.
//
// # Decisions where the specification leaves room
//
//   - Errors are the specification's list of {code, description}, code being the HTTP status. The
//     description names the field at fault ("lat: ..."). Messages are bilingual (zh-CN, then English
//     in parentheses), like the rest of the hub.
//   - Services have no extra attributes, so metadata is false everywhere; the service definition of
//     a known service is still answered (200) with an empty attribute list, and an unknown code is 404.
//   - Publication. Hotline calls, WeChat messages and every 举报 are private, and so is a report
//     filed with non_public=true (mySociety's field); Open311 and web reports are public otherwise,
//     and the command centre may change it (dispatcher's set_publication). GET requests,
//     requests/{id} and the updates feed show only public reports, plus the private ones of the
//     api key a GET presents in api_key (optional on GETs; an invalid key is 403). A private
//     report by id answers exactly as a missing number: same status, same text.
//   - POST with a service_code the catalogue does not have is 404, as the specification says.
//   - POST accepts application/x-www-form-urlencoded, and multipart/form-data with up to four photos
//     or videos as file parts (upload.go: the media handling extension, as FixMyStreet sends it);
//     415 for anything else. media_url may still be a link. Parameters in the query string are merged with the body; a
//     field given twice is a 400. A report must carry lat and long (WGS-84): the bureau cannot
//     locate an address_string or address_id alone, so such a report is a 400 that says so.
//     attribute[...] and unknown fields are ignored. A created request is 201 with the
//     specification's body ({service_request_id, service_notice, account_id: null}) and a Location
//     header; no token is used because the id is known at once.
//   - The case is written by the actor {Login: "open311:<key name>", Role: system, Unit: CMD}: the
//     automatic dispatch policy needs a role that may register and dispatch, and the api key's name
//     keeps who filed it in the case log.
//   - first_name and last_name become the reporter's name: family name first without a space when
//     both are written in Chinese characters (张 + 三 = 张三), "first last" otherwise. The reporter's
//     contact (name, phone, email) is stored for the command centre and never returned.
//   - GET /requests: service_request_id (comma list, at most MaxPageSize) overrides every other
//     filter, as the specification says. Otherwise start_date/end_date filter requested_datetime
//     as it is shown, to the whole second, both ends inclusive (a request shown as 10:00:00 is in
//     a window that ends at 10:00:00 and in the next one, which starts there), and may not span
//     more than 90 days; with neither, the last 90 days; with one, 90 days from or up to it. Dates
//     are RFC 3339 (seconds optional, offset required); a "+" that the query string turned into a
//     space is read back as "+". status is open, closed or both (comma list). service_code is a
//     code or a comma-separated list of codes. The page extension: page (from 1) and
//     page_size (1..1000, default 1000, the specification's limit); newest first; the total number
//     of matches is in the X-Total-Count header.
//   - A request's status is closed once its case is no longer open (closed, answered, rejected,
//     voided, merged); status_notes is the detailed state, e.g. "已派遣 (dispatched)".
//     updated_datetime is the closing time for a closed request (as the specification says) and the
//     last change otherwise. expected_datetime is the handling clock's deadline, present once the
//     case has been dispatched. agency_responsible is the full name of the unit handling the case
//     (the routed unit until a dispatch or transfer names another). address is the address given,
//     or the name of the street or town the point lies in. address_id and zipcode are always empty.
//   - GET servicerequestupdates (mySociety's extension, read by FixMyStreet's update fetcher): one
//     request_update per change of a request's public status (UpdateStatus: the extension's
//     open, investigating, action_scheduled, in_progress, fixed, closed, duplicate,
//     not_councils_responsibility, no_further_action), with the event's id as update_id, the
//     event's time, a fixed bilingual sentence as description (never an officer's free text) and
//     an empty media_url. start_date/end_date as for requests, at most 7 days apart; the last 24
//     hours by default.
//   - XML is served as text/xml; charset=utf-8.
//   - All datetimes are RFC 3339 in the calendar's zone (+08:00).
package open311
