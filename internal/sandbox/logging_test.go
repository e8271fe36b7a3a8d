package sandbox

import (
	"strings"
	"testing"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/testenv/syncbuf"
)

func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	const password = "s3cret-Pa55word"
	const static = "static0token0value0000000000000000000000"
	e := newEnv(t, Config{Logger: textLogger(&logs), Users: []User{{Username: "carol", Password: password}, {Username: "dave", Password: "x", Token: static}}})

	token := e.loginToken(t, "carol", password).Token
	authed, _ := janaapi.NewClientWithResponses(e.url, janaapi.WithRequestEditorFn(withToken(token)))
	if _, err := authed.V1DataSourcesOpenaqParametersListWithResponse(ctx(t), nil); err != nil {
		t.Fatal(err)
	}
	dave, _ := janaapi.NewClientWithResponses(e.url, janaapi.WithRequestEditorFn(withToken(static)))
	if _, err := dave.AuthUserRetrieveWithResponse(ctx(t)); err != nil {
		t.Fatal(err)
	}
	// Secrets in the query string (a client mistake) are redacted too.
	e.get(t, e.url+"/api/v1/esg/health/?token="+token+"&password="+password+"&api_key=abc123xyz")
	if _, err := authed.AuthLogoutCreateWithResponse(ctx(t)); err != nil {
		t.Fatal(err)
	}
	relogin := e.loginToken(t, "carol", password)

	out := logs.String()
	for name, secret := range map[string]string{"password": password, "token": token, "new token": relogin.Token,
		"static token": static, "api key": "abc123xyz"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains the %s:\n%s", name, out)
		}
	}
	for _, want := range []string{"op=auth_login_create", "op=v1_data_sources_openaq_parameters_list", "status=200",
		"token=REDACTED", "path=/api/auth/logout/", "duration_ms="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "msg=request"); n != 6 {
		t.Errorf("%d request lines for 6 requests:\n%s", n, out)
	}
}
