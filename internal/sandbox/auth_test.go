package sandbox

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

var hex40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestLogin(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	resp := e.loginToken(t, "demo", "demo-password")
	if got := resp.Token; !hex40.MatchString(got) || got != e.sb.DemoToken() {
		t.Errorf("token %q: want the 40-hex demo token %q", got, e.sb.DemoToken())
	}
	if got, want := resp.Token, DefaultToken(testSeed, "demo"); got != want {
		t.Errorf("token %q is not the documented token for the seed %q", got, want)
	}
	if resp.User.Username != "demo" || resp.User.Id != 1 || resp.User.Email == nil || *resp.User.Email != DefaultEmail {
		t.Errorf("user = %+v", resp.User)
	}
}

func TestBadLogin(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	tests := []struct {
		name string
		req  janaapi.LoginRequest
		want map[string][]string
	}{
		{"wrong password", legacyLogin(t, "demo", new("nope")),
			map[string][]string{"non_field_errors": {"Unable to log in with provided credentials."}}},
		{"unknown user", legacyLogin(t, "mallory", new("demo-password")),
			map[string][]string{"non_field_errors": {"Unable to log in with provided credentials."}}},
		{"missing password", legacyLogin(t, "demo", nil),
			map[string][]string{"password": {"This field is required."}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.anon.AuthLoginCreateWithResponse(ctx(t), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.JSON400 == nil {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode(), resp.Body)
			}
			if diff := cmp.Diff(tc.want, resp.JSON400.AdditionalProperties); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnauthenticated(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	bad, err := janaapi.NewClientWithResponses(e.url, janaapi.WithRequestEditorFn(withToken("0123456789abcdef0123456789abcdef01234567")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		client *janaapi.ClientWithResponses
		detail string
	}{
		{"no token", e.anon, "Authentication credentials were not provided."},
		{"unknown token", bad, "Invalid token."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.client.V1DataSourcesOpenaqLocationsListWithResponse(ctx(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.JSON401 == nil {
				t.Fatalf("status %d, want 401: %s", resp.StatusCode(), resp.Body)
			}
			if resp.JSON401.Detail != tc.detail {
				t.Errorf("detail %q, want %q", resp.JSON401.Detail, tc.detail)
			}
			if got := resp.HTTPResponse.Header.Get("WWW-Authenticate"); got != "Token" {
				t.Errorf("WWW-Authenticate %q, want Token", got)
			}
		})
	}
	t.Run("health is public", func(t *testing.T) {
		resp, err := e.anon.V1EsgHealthRetrieveWithResponse(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil || resp.JSON200.Status != "healthy" {
			t.Fatalf("health: %d %s", resp.StatusCode(), resp.Body)
		}
	})
	t.Run("schema is public", func(t *testing.T) {
		resp, err := e.anon.SchemaRetrieveWithResponse(ctx(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != http.StatusOK {
			t.Fatalf("schema: %d", resp.StatusCode())
		}
	})
}

func TestPrivateSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{PrivateSchema: true})
	resp, err := e.anon.SchemaRetrieveWithResponse(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusUnauthorized {
		t.Errorf("anonymous schema: %d, want 401", resp.StatusCode())
	}
	resp, err = e.client.SchemaRetrieveWithResponse(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusOK {
		t.Errorf("authenticated schema: %d, want 200", resp.StatusCode())
	}
}

func TestLogoutRevokesToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Users: []User{{Username: "alice", Password: "pw-a"}, {Username: "bob", Password: "pw-b", Token: "bob-static-token"}}})
	first := e.sb.DemoToken()
	if first != DefaultToken(testSeed, "demo") || first != DemoTokenFor(Config{Seed: testSeed}) {
		t.Fatalf("demo token %q is not the documented one", first)
	}
	if alice := e.loginToken(t, "alice", "pw-a"); alice.Token != DefaultToken(testSeed, "alice") {
		t.Fatalf("alice login: token %q", alice.Token)
	}
	if got := currentUser(t, e.client); got.Username != "demo" {
		t.Fatalf("user: %+v", got)
	}
	bob, _ := janaapi.NewClientWithResponses(e.url, janaapi.WithRequestEditorFn(withToken("bob-static-token")))
	if got := currentUser(t, bob); got.Username != "bob" {
		t.Fatalf("configured token: %+v", got)
	}

	out, err := e.client.AuthLogoutCreateWithResponse(ctx(t))
	if err != nil || out.StatusCode() != http.StatusOK {
		t.Fatalf("logout: %v %d", err, out.StatusCode())
	}
	again, err := e.client.AuthUserRetrieveWithResponse(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if again.JSON401 == nil || again.JSON401.Detail != "Invalid token." {
		t.Fatalf("revoked token: %d %s", again.StatusCode(), again.Body)
	}
	login := e.loginToken(t, "demo", "demo-password")
	if tok := login.Token; tok == first || !hex40.MatchString(tok) {
		t.Errorf("new token %q: want a fresh 40-hex token", tok)
	}
	if e.sb.DemoToken() != login.Token {
		t.Errorf("DemoToken does not follow the new token")
	}
	e.sb.Reset()
	if e.sb.DemoToken() != first {
		t.Errorf("Reset did not restore the initial token")
	}
}

// currentUser reads GET /api/auth/user/ in either of its shapes.
func currentUser(t *testing.T, c *janaapi.ClientWithResponses) janaapi.User {
	t.Helper()
	resp, err := c.AuthUserRetrieveWithResponse(ctx(t))
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("user: %v %d %s", err, resp.StatusCode(), resp.Body)
	}
	if wrapped, err := resp.JSON200.AsUserResponse(); err == nil && wrapped.Data.Username != "" {
		return wrapped.Data
	}
	u, err := resp.JSON200.AsUser()
	if err != nil {
		t.Fatal(err)
	}
	return u
}
