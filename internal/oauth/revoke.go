package oauth

import (
	"errors"
	"net/http"
	"strings"
)

// Revoke serves token revocation (RFC 7009, POST PathRevoke). Revoking either token of a
// sign-in revokes the sign-in: every token issued for it stops working at once, on every
// replica, and its Jana sign-in is ended at Jana. As RFC 7009 §2.2 says, the answer is 200
// whether or not the token was valid; a token of another client is left alone.
func (s *Server) Revoke(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	c, ok := s.authenticateClient(w, r, form)
	if !ok {
		return
	}
	ctx := r.Context()
	token := form.Get("token")
	if token == "" {
		jsonError(w, http.StatusBadRequest, errInvalidRequest, "token is required")
		return
	}
	var grantID, clientID string
	var err error
	switch {
	case strings.HasPrefix(token, prefixAccess) && len(token) <= 100:
		var at accessRecord
		if err = s.get(ctx, keyAccess(token), &at); err == nil {
			grantID, clientID = at.GrantID, at.ClientID
		}
	case strings.HasPrefix(token, prefixRefresh) && len(token) <= 100:
		var rt refreshRecord
		if err = s.get(ctx, keyRefresh(token), &rt); err == nil {
			grantID, clientID = rt.GrantID, rt.ClientID
		} else if errors.Is(err, ErrNotFound) {
			var spent spentRefresh
			if err = s.get(ctx, keyRefreshUsed(token), &spent); err == nil {
				grantID, clientID = spent.GrantID, spent.ClientID
			}
		}
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.storeDown(w, r, err)
		return
	}
	if grantID != "" && clientID == c.ID {
		s.revokeGrant(ctx, grantID, "revoked by its client")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
