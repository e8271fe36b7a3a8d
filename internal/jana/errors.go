package jana

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	fastjson "github.com/segmentio/encoding/json"
)

// Kind classifies a failed backend call by what the caller can do about it.
type Kind int

// Error kinds.
const (
	KindInvalid      Kind = iota + 1 // 400: a parameter was wrong
	KindUnauthorized                 // 401/403: the token was rejected (CredentialRejected) or lacks permission
	KindNotFound                     // 404
	KindRateLimited                  // 429
	KindUnavailable                  // 5xx, HTML error pages, connection failures
	KindTimeout                      // the call's deadline passed
	KindCanceled                     // the caller went away
	KindUnexpected                   // a 2xx Jana answered in a shape the schema does not describe
	KindTooLarge                     // the answer is over JANA_MAX_RESPONSE_BYTES
	KindRedirect                     // Jana answered with a redirect, which is not followed
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindUnauthorized:
		return "unauthorized"
	case KindNotFound:
		return "not_found"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	case KindTimeout:
		return "timeout"
	case KindCanceled:
		return "canceled"
	case KindUnexpected:
		return "unexpected"
	case KindTooLarge:
		return "too_large"
	case KindRedirect:
		return "redirect"
	}
	return "unknown"
}

// Error is a failed backend call. Its message is for logs; the tools package turns it into
// text for a model. It never holds credentials: request URLs carry none (auth is a header).
type Error struct {
	Kind   Kind
	Op     string // operation, e.g. v1_data_sources_openaq_measurements_list
	Status int    // HTTP status, 0 when no response arrived
	// Detail is DRF's "detail" (or "error") message, trimmed; empty for HTML pages.
	Detail string
	// Fields holds DRF field errors: parameter name -> messages.
	Fields        map[string][]string
	UnknownParams []string
	AllowedParams []string
	RetryAfter    time.Duration // from a 429's retry_after or Retry-After
	// Expired is set (with KindUnauthorized) when the call was not sent because the caller's
	// JWT access token had passed its exp claim.
	Expired bool
	Err     error // underlying transport error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jana %s: %s", e.Op, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.Expired {
		b.WriteString(": the JWT access token expired")
	}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(&b, "; %s: %s", k, strings.Join(e.Fields[k], " "))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// CredentialRejected reports whether Jana refused the credential itself — expired, invalid or
// revoked: a 401, or a 403 whose message mentions the token — rather than a permission the
// user lacks (another 403).
func (e *Error) CredentialRejected() bool {
	return e.Kind == KindUnauthorized && (e.Expired || credentialRejected(e.Status, e.Detail))
}

// AsError returns err as an *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var je *Error
	ok := errors.As(err, &je)
	return je, ok
}

// Response is what every generated ...WithResponse method returns.
type Response[T any] interface {
	GetJSON200() *T
	GetBody() []byte
	StatusCode() int
	ContentType() string
}

// Result turns a generated client call into its decoded 200 body or an *Error.
// Use it as jana.Result[janaapi.X](op, resp, err).
func Result[T any](op string, resp Response[T], err error) (*T, error) {
	if err != nil {
		return nil, transportError(op, err)
	}
	if v := resp.GetJSON200(); v != nil && resp.StatusCode() == http.StatusOK {
		return v, nil
	}
	return nil, responseError(op, resp.StatusCode(), resp.ContentType(), resp.GetBody())
}

// Decode turns a raw generated-client call (the method without "WithResponse") into its
// decoded 200 body or an *Error. It decodes the body the doer already holds, once, with a
// faster decoder than the generated ParseX functions' encoding/json: on a busy bridge the
// decoding of answers was a tenth of the CPU of a call.
func Decode[T any](op string, resp *http.Response, err error) (*T, error) {
	if err != nil {
		return nil, transportError(op, err)
	}
	body, err := responseBytes(resp)
	if err != nil {
		return nil, transportError(op, err)
	}
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode != http.StatusOK || !strings.Contains(ct, "json") {
		return nil, responseError(op, resp.StatusCode, ct, body)
	}
	var v T
	if err := fastjson.Unmarshal(body, &v); err != nil {
		return nil, &Error{Kind: KindUnexpected, Op: op, Status: resp.StatusCode, Err: err}
	}
	return &v, nil
}

// transportError classifies an error from the HTTP client or from decoding a 200 body.
func transportError(op string, err error) error {
	if je, ok := AsError(err); ok {
		if je.Op == "" {
			je.Op = op
		}
		return je
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: KindTimeout, Op: op, Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: KindCanceled, Op: op, Err: err}
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return &Error{Kind: KindUnexpected, Op: op, Status: http.StatusOK, Err: err}
	}
	return &Error{Kind: KindUnavailable, Op: op, Err: err}
}

// drfBody is the union of DRF error shapes Jana answers with.
type drfBody struct {
	Detail        json.RawMessage `json:"detail"`
	Error         string          `json:"error"`
	UnknownParams []string        `json:"unknown_params"`
	AllowedParams []string        `json:"allowed_params"`
	RetryAfter    *float64        `json:"retry_after"`
}

// responseError builds the *Error for a non-200 answer.
func responseError(op string, status int, contentType string, body []byte) *Error {
	e := &Error{Op: op, Status: status, Kind: kindFor(status)}
	if !strings.Contains(contentType, "json") {
		// An HTML page from a proxy says nothing a model can use.
		if status == http.StatusOK {
			e.Kind = KindUnexpected
		}
		return e
	}
	var b drfBody
	if json.Unmarshal(body, &b) != nil {
		return e
	}
	e.Detail = detailText(b.Detail)
	if e.Detail == "" {
		e.Detail = trim(b.Error)
	}
	e.UnknownParams, e.AllowedParams = names(b.UnknownParams), names(b.AllowedParams)
	if b.RetryAfter != nil && *b.RetryAfter > 0 {
		e.RetryAfter = time.Duration(*b.RetryAfter * float64(time.Second))
	}
	if status == http.StatusBadRequest {
		e.Fields = fieldErrors(body)
	}
	return e
}

func kindFor(status int) Kind {
	switch {
	case status == http.StatusBadRequest:
		return KindInvalid
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return KindUnauthorized
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status == http.StatusGatewayTimeout:
		return KindTimeout
	case status >= 300 && status < 400:
		return KindRedirect
	case status >= 500:
		return KindUnavailable
	}
	return KindUnexpected
}

// Bounds of what a DRF error body contributes to an *Error: a body of any size yields a short
// message.
const (
	maxFields        = 10
	maxFieldMessages = 3
	maxNames         = 60
	maxNameLen       = 64
)

// names bounds a list of parameter names from an error body.
func names(list []string) []string {
	if len(list) > maxNames {
		list = list[:maxNames]
	}
	out := make([]string, 0, len(list))
	for _, n := range list {
		out = append(out, cut(n, maxNameLen))
	}
	return out
}

// fieldErrors extracts DRF's {"param": ["message", ...]} entries.
func fieldErrors(body []byte) map[string][]string {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return nil
	}
	out := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		switch k {
		case "detail", "error", "unknown_params", "allowed_params", "retry_after":
			continue
		}
		var msgs []string
		if json.Unmarshal(v, &msgs) != nil {
			var one string
			if json.Unmarshal(v, &one) != nil {
				continue
			}
			msgs = []string{one}
		}
		if len(msgs) > maxFieldMessages {
			msgs = msgs[:maxFieldMessages]
		}
		for i := range msgs {
			msgs[i] = trim(msgs[i])
		}
		out[cut(k, maxNameLen)] = msgs
		if len(out) == maxFields {
			break
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func detailText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return trim(s)
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return trim(strings.Join(list, " "))
	}
	return ""
}

// trim bounds a backend-supplied message so one odd answer cannot flood a tool result.
func trim(s string) string { return cut(strings.TrimSpace(s), 300) }

// cut shortens s to at most max bytes, at a character boundary, marking the cut.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// retryAfterHeader parses a Retry-After header given in seconds.
func retryAfterHeader(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
