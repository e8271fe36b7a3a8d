package jana

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/janaplatform/jana-mcp/internal/tracing"
)

// errTooLarge is an answer over JANA_MAX_RESPONSE_BYTES: it would be as large again on a retry.
var errTooLarge = errors.New("answer too large")

// Observer receives one event per backend HTTP attempt (metrics hook).
type Observer interface {
	// BackendResponse reports an attempt: status is 0 when no response arrived.
	BackendResponse(endpoint string, status int, elapsed time.Duration)
	// BackendRetry reports that an attempt is repeated and why ("503", "connection", "401", "429").
	BackendRetry(endpoint, reason string)
}

type nopObserver struct{}

func (nopObserver) BackendResponse(string, int, time.Duration) {}
func (nopObserver) BackendRetry(string, string)                {}

// doer is the HTTP client under the generated Jana client. Every backend call passes here, so
// this is where the caller's credentials, the Host header, the per-call deadline, retries,
// caching and instrumentation happen, for curated and generated tools alike.
type doer struct {
	client        *http.Client
	service       *ServiceAccount // nil without service credentials
	backendHost   string          // JANA_BACKEND_URL's host: the one JANA_HOST_HEADER is for
	hostHeader    string
	timeout       time.Duration
	slowTimeout   time.Duration // for slowEndpoints
	retries       int
	backoff       time.Duration
	maxRetryAfter time.Duration
	observer      Observer
	cache         *Cache            // nil when caching is off
	tracing       *tracing.Provider // nil when tracing is off
	maxBody       int64             // JANA_MAX_RESPONSE_BYTES
	stats         stats
}

// Do performs req with the credentials of the context's caller. The body is read completely
// before returning, so that the call's deadline can be released and the response cached.
func (d *doer) Do(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	caller, _ := CallerFrom(parent)
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	endpoint := endpointOf(req.URL.Path)
	if caller != nil && caller.expiredAt(time.Now()) {
		// Jana would refuse it, and no answer (cached or not) may reach an expired sign-in.
		return nil, &Error{Kind: KindUnauthorized, Expired: true}
	}

	if d.cache != nil && idempotent && !bypassCache(parent) {
		return d.cache.do(parent, caller, req, endpoint, d.attempts)
	}
	return d.attempts(parent, caller, req, endpoint)
}

// attempts runs the retry loop for one logical call and returns a fully buffered response.
func (d *doer) attempts(parent context.Context, caller *Caller, req *http.Request, endpoint string) (*http.Response, error) {
	timeout := d.timeout
	if d.slowTimeout > timeout && slowEndpoint(req.URL.Path) {
		timeout = d.slowTimeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	info := CallInfoFrom(parent)
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	relogged, waited := false, false

	for attempt := 0; ; attempt++ {
		scheme, token, err := d.tokenFor(ctx, caller)
		if err != nil {
			return nil, err
		}
		// A shallow copy: the request was built for this call alone (by the generated client),
		// so its headers are ours to set, on every attempt. Each credential keeps its scheme.
		r := req.WithContext(ctx)
		if token != "" {
			r.Header.Set("Authorization", string(scheme)+" "+token)
		}
		if d.hostHeader != "" && r.URL.Host == d.backendHost {
			r.Host = d.hostHeader
		}

		span := d.startSpan(ctx, r, endpoint, attempt)
		start := time.Now()
		resp, err := d.client.Do(r)
		var body []byte
		if err == nil {
			body, err = readBody(resp, d.maxBody)
		}
		elapsed := time.Since(start)
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		endSpan(span, status)
		d.observer.BackendResponse(endpoint, status, elapsed)
		d.stats.record(status, start.Add(elapsed))
		info.add(status, elapsed)

		if errors.Is(err, errTooLarge) {
			return nil, &Error{Kind: KindTooLarge, Status: status, Detail: fmt.Sprintf("the answer is over %d bytes", d.maxBody)}
		}
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, deadlineError(parent, ctxErr, err)
			}
			if idempotent && attempt < d.retries && d.pause(ctx, endpoint, "connection", d.backoffFor(attempt)) {
				continue
			}
			return nil, err
		}

		switch {
		case idempotent && retryableStatus(status) && attempt < d.retries:
			if d.pause(ctx, endpoint, fmt.Sprint(status), d.backoffFor(attempt)) {
				continue
			}
		case (status == http.StatusUnauthorized || status == http.StatusForbidden) &&
			d.renewable(caller) && idempotent && !relogged && credentialRejected(status, errorDetail(body)):
			// The service credential or a held sign-in expired or was revoked: renew it
			// (refresh, else log in again) and retry, once. A 403 for want of permission
			// would only repeat.
			if caller.source != nil {
				caller.source.invalidate(token)
			} else {
				d.service.invalidate(token)
			}
			relogged = true
			d.observer.BackendRetry(endpoint, fmt.Sprint(status))
			continue
		case status == http.StatusTooManyRequests && idempotent && !waited:
			if wait := retryAfter(resp.Header, body); wait > 0 && wait <= d.maxRetryAfter && d.pause(ctx, endpoint, "429", wait) {
				waited = true
				continue
			}
		}
		if status >= 300 {
			// Error text reaches models and logs: never with a credential Jana echoed back.
			body = d.scrub(body, token)
		}
		resp.Body = newBuffered(body)
		resp.ContentLength = int64(len(body))
		return resp, nil
	}
}

// redacted replaces credentials in backend answers.
var redacted = []byte("[redacted]")

// scrub removes from an answer every credential this server holds that could be in it: the
// token the request carried and the service account's secrets, verbatim and JSON-escaped.
func (d *doer) scrub(body []byte, token string) []byte {
	secrets := []string{token}
	if d.service != nil {
		secrets = append(secrets, d.service.secrets()...)
	}
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue // too short to tell from ordinary text
		}
		body = bytes.ReplaceAll(body, []byte(sec), redacted)
		if esc, err := json.Marshal(sec); err == nil {
			if inner := esc[1 : len(esc)-1]; string(inner) != sec {
				body = bytes.ReplaceAll(body, inner, redacted)
			}
		}
	}
	return body
}

func (d *doer) tokenFor(ctx context.Context, caller *Caller) (Scheme, string, error) {
	switch {
	case caller == nil:
		return "", "", nil // anonymous: login and public endpoints
	case caller.source != nil:
		return caller.source.token(ctx)
	case !caller.service:
		return caller.scheme, caller.token.Reveal(), nil
	case d.service == nil:
		return "", "", &Error{Kind: KindUnauthorized, Detail: "no service credentials are configured"}
	}
	return d.service.token(ctx)
}

// renewable reports whether the caller's credential can be renewed when Jana refuses it: the
// service account's (when it can sign in again or refresh) and a held sign-in's.
func (d *doer) renewable(caller *Caller) bool {
	return caller != nil && (caller.source != nil || (caller.service && d.service.canRenew()))
}

// errorDetail is the message of a DRF error body ("detail", else "error"); "" otherwise.
func errorDetail(body []byte) string {
	var b drfBody
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	if d := detailText(b.Detail); d != "" {
		return d
	}
	return trim(b.Error)
}

// pause waits before a retry and reports whether the call may go on.
func (d *doer) pause(ctx context.Context, endpoint, reason string, wait time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return false // no time left for another attempt
	}
	d.observer.BackendRetry(endpoint, reason)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// backoffFor is exponential backoff with full jitter: uniform in [base·2^n / 2, base·2^n].
func (d *doer) backoffFor(attempt int) time.Duration {
	ceiling := d.backoff << attempt
	if ceiling <= 0 {
		return 0
	}
	half := ceiling / 2
	return half + rand.N(half+1)
}

func retryableStatus(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

func readBody(resp *http.Response, maxBodyBytes int64) ([]byte, error) {
	defer resp.Body.Close()
	if n := resp.ContentLength; n > maxBodyBytes {
		return nil, errTooLarge
	}
	if n := resp.ContentLength; n >= 0 {
		// The usual case: one allocation of the announced size, no growing and copying.
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, fmt.Errorf("reading response: %w", err)
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	if int64(len(body)) > maxBodyBytes {
		return nil, errTooLarge
	}
	return body, nil
}

// retryAfter reads Jana's retry_after (body) or Retry-After (header).
func retryAfter(h http.Header, body []byte) time.Duration {
	var b struct {
		RetryAfter float64 `json:"retry_after"`
	}
	if json.Unmarshal(body, &b) == nil && b.RetryAfter > 0 {
		return time.Duration(b.RetryAfter * float64(time.Second))
	}
	return retryAfterHeader(h)
}

// deadlineError distinguishes the call's own deadline from the caller going away.
func deadlineError(parent context.Context, ctxErr, err error) error {
	if parent.Err() == nil && errors.Is(ctxErr, context.DeadlineExceeded) {
		return fmt.Errorf("backend did not answer in time: %w", context.DeadlineExceeded)
	}
	if errors.Is(parent.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w", context.DeadlineExceeded)
	}
	return fmt.Errorf("request canceled: %w", context.Canceled)
}

// endpointOf turns a request path into a low-cardinality label: numeric ids become {id}.
// slowEndpoints are Jana's heavy aggregate endpoints, which take about a minute on the whole
// table: they get JANA_SLOW_TIMEOUT instead of JANA_TIMEOUT.
var slowEndpoints = []string{"/climatetrace/emissions/sector_totals/", "/climatetrace/emissions/country_totals/"}

func slowEndpoint(path string) bool {
	for _, s := range slowEndpoints {
		if strings.HasSuffix(path, s) {
			return true
		}
	}
	return false
}

func endpointOf(path string) string {
	if !strings.ContainsAny(path, "0123456789") {
		return path
	}
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

type noCacheKey struct{}

// WithoutCache returns a context whose backend calls skip the response cache (probes that
// must see Jana as it is now).
func WithoutCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, noCacheKey{}, true)
}

func bypassCache(ctx context.Context) bool {
	v, _ := ctx.Value(noCacheKey{}).(bool)
	return v
}

// startSpan starts the span of one attempt and puts its traceparent on the request, so that
// Jana's own tracing continues the tool call's trace.
func (d *doer) startSpan(ctx context.Context, r *http.Request, endpoint string, attempt int) trace.Span {
	if d.tracing == nil {
		return nil
	}
	ctx, span := d.tracing.Tracer.Start(ctx, "jana "+r.Method+" "+endpoint, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("url.path", endpoint),
			attribute.Int("jana.attempt", attempt+1),
		))
	d.tracing.Propagator.Inject(ctx, propagation.HeaderCarrier(r.Header))
	return span
}

func endSpan(span trace.Span, status int) {
	if span == nil {
		return
	}
	span.SetAttributes(attribute.Int("http.response.status_code", status))
	if status == 0 || status >= 500 {
		span.SetStatus(codes.Error, "no answer or server error")
	}
	span.End()
}

// buffered is a response body already read into memory; Decode takes its bytes without a copy.
type buffered struct {
	*bytes.Reader
	b []byte
}

func newBuffered(b []byte) *buffered { return &buffered{Reader: bytes.NewReader(b), b: b} }

func (*buffered) Close() error { return nil }

// responseBytes returns the body of a response that came through the doer, without copying
// when it can.
func responseBytes(resp *http.Response) ([]byte, error) {
	if b, ok := resp.Body.(*buffered); ok {
		return b.b, nil
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
