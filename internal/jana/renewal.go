package jana

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/singleflight"
)

// A JWT sign-in is renewed before it expires, by whoever holds it: the service account
// (service.go) and every user this server signs in on behalf of (signin.go, MCP_AUTH_MODE=oauth)
// share the schedule and the rules below.

// credential is a Jana credential in use and when to renew it.
type credential struct {
	scheme  Scheme
	token   string
	refresh string    // the JWT refresh token, "" without one
	renewAt time.Time // renew from here on, in the background; zero: no expiry known
	staleAt time.Time // from here on wait for the renewal instead of sending this token
	stale   bool      // Jana rejected it
}

// Fraction of an access token's life after which it is renewed, and after which calls wait
// for the renewal rather than risk sending a token about to expire.
const (
	renewAfter = 0.8
	staleAfter = 0.95
)

// credentialFor describes a token obtained at now.
func credentialFor(scheme Scheme, token, refresh string, now time.Time) credential {
	c := credential{scheme: scheme, token: token, refresh: refresh}
	if scheme != SchemeBearer {
		return c
	}
	iat, exp, ok := jwtTimes(token)
	if !ok || exp.IsZero() {
		return c
	}
	// The token's life by its own claims, counted from when it arrived here (so that a clock
	// skew between Jana and this server does not matter), but never past exp itself.
	end := exp
	if !iat.IsZero() && exp.After(iat) {
		end = now.Add(exp.Sub(iat))
		if exp.Before(end) {
			end = exp
		}
	}
	life := end.Sub(now)
	c.renewAt = now.Add(time.Duration(float64(life) * renewAfter))
	c.staleAt = now.Add(time.Duration(float64(life) * staleAfter))
	return c
}

// fresh reports whether c can be sent at now without renewing it first or meanwhile.
func (c credential) fresh(now time.Time) bool {
	return c.token != "" && !c.stale && (c.renewAt.IsZero() || now.Before(c.renewAt))
}

// errNothingToSend means there is no credential and none can be obtained.
var errNothingToSend = errors.New("no credential")

// renewal runs the renewals of one credential, one at a time, shared by every call that
// needs one.
type renewal struct {
	flights singleflight.Group
}

// token returns the credential to send at now, given the current one: cur itself while it is
// fresh; cur while a renewal runs in the background once it is due but still good; otherwise
// what renew obtains, waited for. Without canRenew cur is sent as it is (errNothingToSend
// without one). renew runs detached from ctx, whose cancellation must not fail the other
// calls waiting for it, and without ctx's caller (renewals are anonymous calls to Jana).
func (r *renewal) token(ctx context.Context, now time.Time, cur credential, canRenew bool,
	renew func(context.Context) (credential, error)) (credential, error) {
	usable := cur.token != "" && !cur.stale
	detached := func() (any, error) { return renew(withoutCaller(context.WithoutCancel(ctx))) }
	switch {
	case usable && (cur.renewAt.IsZero() || now.Before(cur.renewAt)):
		return cur, nil
	case usable && now.Before(cur.staleAt) && canRenew:
		// Due for renewal but still good: renew in the background, and send it meanwhile.
		r.flights.DoChan("renew", detached)
		return cur, nil
	case !canRenew:
		if cur.token != "" {
			return cur, nil // nothing better to send; Jana will say why
		}
		return credential{}, errNothingToSend
	}
	v, err, _ := r.flights.Do("renew", detached)
	if err != nil {
		return credential{}, err
	}
	return v.(credential), nil
}
