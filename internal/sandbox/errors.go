package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// apiError is a response in the backend's error format: a DRF JSON body or, where the real
// stack answers outside Django REST Framework, an HTML page.
type apiError struct {
	status int
	body   any
	html   string
	header map[string]string
	fault  string // which injected fault produced it, if any
}

// Error makes apiError an error; handlers return it and errorHandler renders it.
func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

// DRF's standard messages.
const (
	msgNotFound        = "Not found."
	msgNoCredentials   = "Authentication credentials were not provided."
	msgInvalidToken    = "Invalid token."
	msgBadCredentials  = "Unable to log in with provided credentials."
	msgNoActiveAccount = "No active account found with the given credentials"
	msgInvalidPage     = "Invalid page."
	msgInvalidCursor   = "Invalid cursor"
	msgServerError     = "A server error occurred."
	msgUnavailable     = "Service temporarily unavailable, try again later."
	msgBadGateway      = "Bad gateway."
	msgFieldIsRequired = "This field is required."
)

func detail(status int, msg string) *apiError {
	return &apiError{status: status, body: map[string]string{"detail": msg}}
}

func notFound() *apiError { return detail(http.StatusNotFound, msgNotFound) }

func fieldErrors(errs map[string][]string) *apiError {
	return &apiError{status: http.StatusBadRequest, body: errs}
}

func fieldError(field, msg string) *apiError {
	return fieldErrors(map[string][]string{field: {msg}})
}

func badRequest(msg string) *apiError { return detail(http.StatusBadRequest, msg) }

func unknownParams(unknown, allowed []string) *apiError {
	return &apiError{status: http.StatusBadRequest, body: map[string]any{
		"detail":         "Unknown query parameter(s): " + strings.Join(unknown, ", "),
		"unknown_params": unknown,
		"allowed_params": allowed,
	}}
}

func unauthorized(msg string) *apiError {
	return &apiError{status: http.StatusUnauthorized, body: map[string]string{"detail": msg},
		header: map[string]string{"WWW-Authenticate": "Token"}}
}

// errCancelled reports that the client went away; nothing is written.
var errCancelled = errors.New("request cancelled by client")

// djangoPage is the page Django's default handlers render for errors outside DRF.
func djangoPage(title string) string {
	return "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>" + title + "</title>\n</head>\n<body>\n  <h1>" +
		title + "</h1><p></p>\n</body>\n</html>\n"
}

// errorHandler renders every error as the backend would, and remembers the outcome for the
// request log.
func (s *Sandbox) errorHandler(err error, c echo.Context) {
	st := stateOf(c)
	if errors.Is(err, errCancelled) || errors.Is(err, context.Canceled) {
		if st != nil {
			st.cancelled = true
		}
		// Usually nobody is listening any more; if the server itself is stopping, the client
		// still gets a proper answer rather than an empty 200.
		if !c.Response().Committed {
			_ = writeJSON(c, http.StatusServiceUnavailable, map[string]string{"detail": msgUnavailable})
		}
		return
	}
	if c.Response().Committed {
		return
	}
	var ae *apiError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &he):
		ae = s.fromEchoError(c, he)
	default:
		s.log.ErrorContext(c.Request().Context(), "handler error", "err", err, "path", c.Request().URL.Path)
		ae = detail(http.StatusInternalServerError, msgServerError)
	}
	if st != nil && ae.fault != "" {
		st.fault = ae.fault
	}
	for k, v := range ae.header {
		c.Response().Header().Set(k, v)
	}
	if ae.html != "" {
		_ = c.HTML(ae.status, ae.html)
		return
	}
	_ = writeJSON(c, ae.status, ae.body)
}

// fromEchoError maps router and parameter-binding errors to DRF bodies.
func (s *Sandbox) fromEchoError(c echo.Context, he *echo.HTTPError) *apiError {
	msg := fmt.Sprint(he.Message)
	switch he.Code {
	case http.StatusNotFound:
		return notFound()
	case http.StatusMethodNotAllowed:
		return detail(he.Code, fmt.Sprintf("Method %q not allowed.", c.Request().Method))
	case http.StatusBadRequest:
		// The generated wrapper says "Invalid format for parameter NAME: ...".
		if rest, ok := strings.CutPrefix(msg, "Invalid format for parameter "); ok {
			if name, why, ok := strings.Cut(rest, ": "); ok {
				return fieldError(name, why)
			}
		}
		return badRequest(msg)
	}
	if he.Code >= 500 {
		return detail(he.Code, msgServerError)
	}
	return detail(he.Code, http.StatusText(he.Code))
}

// writeJSON renders like DRF's JSONRenderer: UTF-8 as is, no HTML escaping.
func writeJSON(c echo.Context, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return c.Blob(status, echo.MIMEApplicationJSON, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
