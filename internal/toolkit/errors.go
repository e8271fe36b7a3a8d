package toolkit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// ArgError is an argument the model can fix.
type ArgError struct {
	Arg string // the argument's name as the tool's schema spells it
	Msg string
}

func (e *ArgError) Error() string { return fmt.Sprintf("invalid argument %s: %s", e.Arg, e.Msg) }

// Invalid returns an *ArgError for arg.
func Invalid(arg, format string, a ...any) error {
	return &ArgError{Arg: arg, Msg: fmt.Sprintf(format, a...)}
}

type callIDKey struct{}

// WithCallID stores the identifier the server logs a tool call under.
func WithCallID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, callIDKey{}, id)
}

// CallID returns the identifier stored by WithCallID, or "".
func CallID(ctx context.Context) string {
	id, _ := ctx.Value(callIDKey{}).(string)
	return id
}

// errorResult turns a failure into a tool error: short, actionable, and free of internals.
// Internal details go to the log under the call id, which is all the model sees of them.
func (env *Env) errorResult(ctx context.Context, tool string, err error) *mcp.CallToolResult {
	text := ErrorText(err)
	if je, ok := jana.AsError(err); ok && je.Kind == jana.KindUnauthorized {
		if c, ok := jana.CallerFrom(ctx); ok {
			switch {
			case c.IsService():
				// The model cannot fix the server's own credentials; say whose problem it is.
				text = fmt.Sprintf("Jana rejected this server's service credentials (HTTP %d). The server's operator must fix JANA_EMAIL/JANA_PASSWORD, "+
					"JANA_USERNAME/JANA_PASSWORD or JANA_TOKEN; retry later, or connect with your own Jana token.", je.Status)
			case c.IsSignedIn() && je.CredentialRejected():
				text = SignInEndedText
			case c.IsJWT() && je.CredentialRejected():
				text = SignInExpiredText
			}
		}
	}
	if text == "" {
		id := CallID(ctx)
		env.Logger.ErrorContext(ctx, "tool failed", "tool", tool, "call_id", id, "err", err)
		text = fmt.Sprintf("Internal error in %s (call id %s). It has been logged; retrying will not help until it is fixed.", tool, id)
	}
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
	res.IsError = true
	return res
}

// ErrorText is the model-facing message for err, or "" for an internal error that must not
// be described to the model.
func ErrorText(err error) string {
	var arg *ArgError
	if errors.As(err, &arg) {
		return fmt.Sprintf("Invalid argument %q: %s. Fix it and call again.", arg.Arg, arg.Msg)
	}
	je, ok := jana.AsError(err)
	if !ok {
		return ""
	}
	switch je.Kind {
	case jana.KindInvalid:
		return invalidText(je)
	case jana.KindUnauthorized:
		switch {
		case je.Expired:
			return SignInExpiredText
		case !je.CredentialRejected():
			return "Jana refused access to this data (HTTP 403): your Jana account lacks permission for it. Other data may still be available; " +
				"ask Jana's administrators for access."
		}
		return fmt.Sprintf("Jana did not accept the token (HTTP %d). Check the token configured in your MCP client; a new one comes from Jana's POST /api/auth/login/.", je.Status)
	case jana.KindNotFound:
		return "Not found in Jana (HTTP 404). Check the id; list tools can show valid ids."
	case jana.KindRateLimited:
		if je.RetryAfter > 0 {
			return fmt.Sprintf("Jana is rate limiting requests (HTTP 429). Retry after %d s.", int(math.Ceil(je.RetryAfter.Seconds())))
		}
		return "Jana is rate limiting requests (HTTP 429). Retry in a minute."
	case jana.KindTimeout:
		return "Jana did not answer in time. Narrow the query (a smaller area, a shorter date range, fewer sources or parameters, a lower limit) or retry later."
	case jana.KindCanceled:
		return "The call was cancelled before Jana answered."
	case jana.KindUnavailable:
		if je.Status != 0 {
			return fmt.Sprintf("Jana is unavailable (HTTP %d). Retry later.", je.Status)
		}
		return "Jana is unavailable (no answer from the backend). Retry later."
	case jana.KindUnexpected:
		return "Jana answered in an unexpected format. Retry later; if it persists the backend may have changed."
	case jana.KindTooLarge:
		return "Jana's answer was too large to read (JANA_MAX_RESPONSE_BYTES). Narrow the query (a smaller area, a shorter date range, fewer parameters, a lower limit)."
	case jana.KindRedirect:
		return fmt.Sprintf("Jana answered with a redirect (HTTP %d), which this server does not follow so that credentials never go elsewhere. "+
			"The server's operator should check JANA_BACKEND_URL.", je.Status)
	}
	return ""
}

// SignInExpiredText tells a user whose Jana JWT expired (or was refused as a token) what to do.
const SignInExpiredText = "Your Jana sign-in has expired: Jana's JWT access tokens last only minutes, and this one is no longer accepted. " +
	"Sign in to Jana again (POST /api/auth/login/ with your email and password, or Jana's device sign-in), put the new access token in this MCP " +
	"server's entry of your client configuration (the \"Authorization: Bearer <token>\" header or ?token=<token>) and reconnect. " +
	"A DRF token from a username and password login (\"Authorization: Token <token>\") does not expire."

// SignInEndedText tells a user who signed in to Jana through this server (MCP_AUTH_MODE=oauth)
// that the sign-in is over: they signed out of Jana, or it was revoked.
const SignInEndedText = "Your Jana sign-in through this server has ended: you signed out of Jana, or the sign-in was revoked. " +
	"Your MCP client asks you to sign in again on its next request; if it does not, reconnect this server in the client's settings."

func invalidText(je *jana.Error) string {
	var b strings.Builder
	b.WriteString("Jana rejected the query (HTTP 400)")
	if je.Detail != "" {
		fmt.Fprintf(&b, ": %s", je.Detail)
	}
	for _, k := range slices.Sorted(maps.Keys(je.Fields)) {
		fmt.Fprintf(&b, "; %s: %s", k, strings.Join(je.Fields[k], " "))
	}
	if len(je.UnknownParams) > 0 {
		fmt.Fprintf(&b, "; parameters it does not know: %s (it accepts: %s) — the backend may have changed, report this",
			strings.Join(je.UnknownParams, ", "), strings.Join(je.AllowedParams, ", "))
	}
	b.WriteString(". Adjust the arguments and call again.")
	return b.String()
}
