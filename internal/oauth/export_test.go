package oauth

import "time"

// SetClock makes s read the time from now (tests).
func SetClock(s *Server, now func() time.Time) { s.now = now }
