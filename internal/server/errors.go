package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// code is an application error the HTTP surface answers with. One table maps each code to
// its status and the message clients see; internal details go to the log only.
type code string

const (
	codeUnauthorized    code = "unauthorized"
	codeInvalidToken    code = "invalid_token"
	codeSignInExpired   code = "sign_in_expired"
	codeForbidden       code = "forbidden"
	codeOrigin          code = "origin_not_allowed"
	codeHostNotAllowed  code = "host_not_allowed"
	codeSlowBody        code = "request_timeout"
	codeNotFound        code = "not_found"
	codeNoSession       code = "session_not_found"
	codeNoMCPSession    code = "mcp_session_not_found"
	codeMethod          code = "method_not_allowed"
	codeBadRequest      code = "bad_request"
	codeMediaType       code = "unsupported_media_type"
	codeTooLarge        code = "request_too_large"
	codeRateLimited     code = "rate_limited"
	codeTooManySessions code = "too_many_sessions"
	codeFull            code = "server_at_capacity"
	codeDraining        code = "shutting_down"
	codeBackendDown     code = "backend_unavailable"
	codeBadToolChoice   code = "unknown_tool_choice"
	codeSignInRequired  code = "sign_in_required"
	codeTokenRefused    code = "token_refused"
	codeSignInStoreDown code = "sign_in_store_unavailable"
	codeInternal        code = "internal_error"
)

var codes = map[code]struct {
	status  int
	message string
}{
	codeUnauthorized: {http.StatusUnauthorized, "A Jana credential is required: send the header \"Authorization: Bearer <JWT access token>\" or \"Authorization: Token <DRF token>\", or add ?token=<token> to the URL."},
	codeInvalidToken: {http.StatusUnauthorized, "Jana rejected the token. Get a valid one from Jana's POST /api/auth/login/ and update your MCP client configuration."},
	codeSignInExpired: {http.StatusUnauthorized, "Your Jana sign-in has expired: Jana's JWT access tokens last only minutes. " +
		"Sign in again (POST /api/auth/login/ with your email and password, or Jana's device sign-in), put the new access token in your MCP client configuration " +
		"(\"Authorization: Bearer <token>\" or ?token=<token>) and reconnect. A DRF token (login with username and password, \"Authorization: Token <token>\") does not expire."},
	codeForbidden: {http.StatusForbidden,
		"This session belongs to another credential: send the token the session was opened with (or none), or open a new session."},
	codeOrigin: {http.StatusForbidden, "Requests from this Origin are not allowed (MCP_ALLOWED_ORIGINS)."},
	codeHostNotAllowed: {http.StatusForbidden,
		"This server does not answer to that Host name (DNS-rebinding protection). Connect with the server's published URL; its operator can allow more names with MCP_PUBLIC_URL or MCP_ALLOWED_HOSTS."},
	codeSlowBody:     {http.StatusRequestTimeout, "The request body did not arrive in time (MCP_BODY_READ_TIMEOUT); send it at once."},
	codeNotFound:     {http.StatusNotFound, "Not found."},
	codeNoSession:    {http.StatusNotFound, "Unknown or expired session: reconnect to /sse to start a new one."},
	codeNoMCPSession: {http.StatusNotFound, "Unknown or expired session: start a new one with initialize (MCP clients do this by themselves)."},
	codeMethod:       {http.StatusMethodNotAllowed, "Method not allowed."},
	codeBadRequest:   {http.StatusBadRequest, "Bad request."},
	codeMediaType:    {http.StatusUnsupportedMediaType, "Content-Type must be application/json."},
	codeTooLarge:     {http.StatusRequestEntityTooLarge, "Request body too large."},
	codeRateLimited:  {http.StatusTooManyRequests, "Rate limit exceeded; retry after the number of seconds in Retry-After."},
	codeTooManySessions: {http.StatusTooManyRequests,
		"Too many open sessions for this token; close unused MCP connections (MCP_MAX_SESSIONS_PER_TOKEN)."},
	codeFull:        {http.StatusServiceUnavailable, "The server has reached its session limit; retry later or connect to another replica."},
	codeDraining:    {http.StatusServiceUnavailable, "The server is shutting down; reconnect to reach another replica."},
	codeBackendDown: {http.StatusServiceUnavailable, "Jana is unavailable, so the token cannot be checked; retry later."},
	codeBadToolChoice: {http.StatusBadRequest, "The connection's choice of tools (X-MCP-Toolsets, X-MCP-Tools, X-MCP-Exclude-Tools, or ?toolsets=, ?tools=, ?exclude_tools=) " +
		"names something this server does not serve; detail says what, and what there is."},
	codeInternal: {http.StatusInternalServerError, "Internal error."},
	// MCP_AUTH_MODE=oauth.
	codeSignInRequired: {http.StatusUnauthorized, "Sign in to Jana: this server uses OAuth. Add it to your MCP client by its URL; the client opens the sign-in page."},
	codeTokenRefused: {http.StatusUnauthorized,
		"The access token is invalid, expired or revoked: your MCP client refreshes it, or asks you to sign in again."},
	codeSignInStoreDown: {http.StatusServiceUnavailable, "The server cannot reach its store of sign-ins; retry shortly."},
}

// apiError is a code with an optional detail; it implements error for Echo handlers.
type apiError struct {
	code       code
	detail     string
	retryAfter time.Duration
	challenge  string // WWW-Authenticate of MCP_AUTH_MODE=oauth's 401s
}

func (e *apiError) Error() string { return string(e.code) }

func fail(c code) *apiError { return &apiError{code: c} }

func failDetail(c code, detail string) *apiError { return &apiError{code: c, detail: detail} }

// errorBody is every JSON error the server writes. "error" keeps the first server's key.
type errorBody struct {
	Error      string `json:"error"`
	Code       string `json:"code"`
	Detail     string `json:"detail,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
}

func writeError(c echo.Context, e *apiError) error {
	entry, ok := codes[e.code]
	if !ok {
		entry = codes[codeInternal]
	}
	body := errorBody{Error: entry.message, Code: string(e.code), Detail: e.detail, RequestID: requestID(c)}
	if e.retryAfter > 0 {
		secs := int((e.retryAfter + time.Second - 1) / time.Second)
		body.RetryAfter = secs
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	}
	switch {
	case e.challenge != "":
		c.Response().Header().Set("WWW-Authenticate", e.challenge)
	case e.code == codeUnauthorized || e.code == codeInvalidToken || e.code == codeSignInExpired:
		// No resource_metadata: advertising OAuth makes Cursor drop configured headers.
		c.Response().Header().Set("WWW-Authenticate", `Token realm="jana-mcp"`)
	}
	return c.JSON(entry.status, body)
}

// errorHandler renders every error that reaches Echo as JSON, including its own 404s and
// 405s and the body limit's 413.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var ae *apiError
	if errors.As(err, &ae) {
		_ = writeError(c, ae)
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			_ = writeError(c, fail(codeNotFound))
		case http.StatusMethodNotAllowed:
			_ = writeError(c, fail(codeMethod))
		case http.StatusRequestEntityTooLarge:
			_ = writeError(c, fail(codeTooLarge))
		case http.StatusUnsupportedMediaType:
			_ = writeError(c, fail(codeMediaType))
		case http.StatusTooManyRequests:
			_ = writeError(c, fail(codeRateLimited))
		default:
			if he.Code >= 400 && he.Code < 500 {
				_ = writeError(c, fail(codeBadRequest))
			} else {
				_ = writeError(c, fail(codeInternal))
			}
		}
		return
	}
	// Through the server's logger, not Echo's (which writes plain text to stdout), so that
	// everything the server writes is one JSON stream with the request id.
	s.logger.ErrorContext(c.Request().Context(), "unhandled error", "err", err, "request_id", requestID(c))
	_ = writeError(c, fail(codeInternal))
}
