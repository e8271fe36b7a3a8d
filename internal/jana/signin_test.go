package jana_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// memorySignIn is a SignInStore in memory, as the oauth package's is without Redis.
type memorySignIn struct {
	mu       sync.Mutex
	tokens   jana.SignInTokens
	ended    bool
	replaced int
}

func (m *memorySignIn) Tokens(context.Context) (jana.SignInTokens, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ended {
		return jana.SignInTokens{}, jana.ErrSignInEnded
	}
	return m.tokens, nil
}

func (m *memorySignIn) Replace(_ context.Context, renew func(jana.SignInTokens) (jana.SignInTokens, error)) (jana.SignInTokens, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ended {
		return jana.SignInTokens{}, jana.ErrSignInEnded
	}
	next, err := renew(m.tokens)
	if err != nil {
		return jana.SignInTokens{}, err
	}
	if next.Access != m.tokens.Access {
		m.replaced++
	}
	m.tokens = next
	return next, nil
}

func (m *memorySignIn) End(context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ended = true
}

func (m *memorySignIn) state() (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.replaced, m.ended
}

// TestSignedInCaller: a user's sign-in held by the server keeps working past several expiries
// of Jana's access tokens (each refresh rotates the refresh token), concurrent calls share one
// refresh, and once Jana revokes the sign-in the calls fail as credential refusals and the
// sign-in is ended in its store.
func TestSignedInCaller(t *testing.T) {
	t.Parallel()
	rec := &events{}
	// exp has whole seconds: a 3 s token lives 2 to 3 s, renewed after 80% of that.
	sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 3 * time.Second, Observer: rec.observe})
	c := newClient(t, sb, nil, jana.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if _, err := c.PasswordSignIn(ctx, sandbox.DefaultEmail, "wrong"); !errors.Is(err, jana.ErrBadCredentials) {
		t.Fatalf("a wrong password: %v, want ErrBadCredentials", err)
	}
	tokens, err := c.PasswordSignIn(ctx, sandbox.DefaultEmail, sandbox.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	user, err := c.SignedInUser(ctx, tokens.Access)
	if err != nil || user.ID == 0 || user.Email != sandbox.DefaultEmail {
		t.Fatalf("SignedInUser: %+v, %v", user, err)
	}
	store := &memorySignIn{tokens: tokens}
	caller := c.SignedIn("jana-user:test", store)
	if !caller.IsSignedIn() || caller.Key() != "jana-user:test" || caller.IsJWT() {
		t.Fatalf("caller: signed in %v, key %q, jwt %v", caller.IsSignedIn(), caller.Key(), caller.IsJWT())
	}
	get := func(id int) (int, error) {
		resp, err := c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(jana.WithoutCache(jana.WithCaller(ctx, caller)), id)
		if err != nil {
			return 0, err
		}
		return resp.StatusCode(), nil
	}
	deadline := time.Now().Add(3 * 3 * time.Second) // three lifetimes
	for i := 1; time.Now().Before(deadline); i++ {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for j := range errs {
			wg.Go(func() {
				status, err := get(1 + (i+j)%5)
				if err == nil && status != http.StatusOK {
					err = errors.New(http.StatusText(status))
				}
				errs[j] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	replaced, _ := store.state()
	if replaced < 2 {
		t.Errorf("%d refreshes in three token lifetimes, want at least 2", replaced)
	}
	if got := rec.countOp("auth_refresh_create", http.StatusOK); got != replaced {
		t.Errorf("%d refreshes at Jana for %d replaced tokens: concurrent calls must share one", got, replaced)
	}
	if got := rec.countOp("auth_refresh_create", 0) - rec.countOp("auth_refresh_create", http.StatusOK); got != 0 {
		t.Errorf("%d refreshes refused: a rotated refresh token was sent twice", got)
	}

	if _, err := sb.RevokeJWTs(sandbox.DefaultUsername); err != nil {
		t.Fatal(err)
	}
	_, err = get(2)
	je, ok := jana.AsError(err)
	if !ok || !je.CredentialRejected() || !errors.Is(err, jana.ErrSignInEnded) {
		t.Fatalf("a call after Jana revoked the sign-in: %v, want the sign-in ended", err)
	}
	if _, ended := store.state(); !ended {
		t.Error("the sign-in was not ended in its store")
	}
}

func (e *events) countOp(op string, status int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if ev.OperationID == op && (status == 0 || ev.Status == status) {
			n++
		}
	}
	return n
}

// TestEndSignIn: a held sign-in is ended at Jana even when its access token has expired (as
// it has, minutes after each refresh): the server gets a fresh one from the refresh token for
// the logout.
func TestEndSignIn(t *testing.T) {
	t.Parallel()
	rec := &events{}
	sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 2 * time.Second, Observer: rec.observe})
	c := newClient(t, sb, nil, jana.Options{})
	ctx := context.Background()
	tokens, err := c.PasswordSignIn(ctx, sandbox.DefaultEmail, sandbox.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := c.SignedInUser(ctx, tokens.Access)
		if je, ok := jana.AsError(err); ok && je.CredentialRejected() {
			break // expired
		}
		if time.Now().After(deadline) {
			t.Fatalf("the access token did not expire: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := c.EndSignIn(ctx, tokens); err != nil {
		t.Fatalf("EndSignIn: %v", err)
	}
	if n := rec.countOp("auth_logout_create", http.StatusOK); n != 1 {
		t.Errorf("%d successful logouts at Jana, want 1", n)
	}
	fresh := newClient(t, sb, nil, jana.Options{})
	if _, err := fresh.PasswordSignIn(ctx, sandbox.DefaultEmail, sandbox.DefaultPassword); err != nil {
		t.Fatal(err) // the user can sign in again
	}
}
