package jana

import (
	"context"
	"net/http"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/config"
)

// ServiceAccount holds the service credentials: a fixed JANA_TOKEN, or JANA_USERNAME and
// JANA_PASSWORD exchanged for a token at start and again whenever Jana rejects it. With both,
// the fixed token is used until Jana rejects it.
type ServiceAccount struct {
	static   config.Secret
	username string
	password config.Secret
	api      *janaapi.ClientWithResponses

	mu             sync.Mutex
	current        string
	staticRejected bool
	logins         singleflight.Group
}

func newServiceAccount(b config.Backend, api *janaapi.ClientWithResponses) *ServiceAccount {
	if !b.HasServiceCredentials() {
		return nil
	}
	return &ServiceAccount{static: b.Token, username: b.Username, password: b.Password, api: api}
}

// Login obtains a token now (start-up), so that a wrong password shows at once in the logs.
func (s *ServiceAccount) Login(ctx context.Context) error {
	_, err := s.token(ctx)
	return err
}

func (s *ServiceAccount) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.current == "" && !s.static.IsZero() && !s.staticRejected {
		s.current = s.static.Reveal()
	}
	cur := s.current
	s.mu.Unlock()
	if cur != "" {
		return cur, nil
	}
	v, err, _ := s.logins.Do("login", func() (any, error) {
		var body janaapi.LoginRequest
		if err := body.FromUsernameLoginRequest(janaapi.UsernameLoginRequest{Username: s.username, Password: ptr(s.password.Reveal())}); err != nil {
			return "", err
		}
		// Log in without a caller: this request must not itself need the service token.
		resp, err := s.api.AuthLoginCreateWithResponse(withoutCaller(ctx), body)
		if err == nil && resp.StatusCode() == http.StatusBadRequest {
			return "", &Error{Kind: KindUnauthorized, Op: opLogin, Status: http.StatusBadRequest,
				Detail: "Jana rejected the service account's username or password"}
		}
		login, err := Result[janaapi.LoginResponse](opLogin, resp, err)
		if err != nil {
			return "", err
		}
		out, err := login.AsAuthTokenResponse()
		if err != nil || out.Token == "" {
			return "", &Error{Kind: KindUnexpected, Op: opLogin, Detail: "login returned an empty token"}
		}
		s.mu.Lock()
		s.current = out.Token
		s.mu.Unlock()
		return out.Token, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// secrets returns every credential the account holds, for scrubbing backend answers.
func (s *ServiceAccount) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []string{s.static.Reveal(), s.password.Reveal(), s.current}
}

// canRefresh reports whether a rejected token can be replaced by logging in.
func (s *ServiceAccount) canRefresh() bool {
	return s != nil && s.username != "" && !s.password.IsZero()
}

// invalidate forgets token after Jana rejected it, so that the next call logs in again.
func (s *ServiceAccount) invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == token {
		s.current = ""
	}
	if token == s.static.Reveal() {
		s.staticRejected = true
	}
}

const opLogin = "auth_login_create"

// withoutCaller returns ctx with its caller removed (anonymous calls such as login).
func withoutCaller(ctx context.Context) context.Context {
	return context.WithValue(ctx, callerKey{}, (*Caller)(nil))
}

func ptr[T any](v T) *T { return &v }
