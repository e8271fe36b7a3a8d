package sandbox

import (
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// operation is the per-operation middleware, in the order the real stack applies things:
// network latency and proxy/throttle faults, then DRF authentication, then the filterset's
// parameter validation, then the query itself (which the slow setting stretches).
func (s *Sandbox) operation(op *opSpec) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			st := stateOf(c)
			st.op = op
			ctx := c.Request().Context()
			if err := s.faults.delay(ctx, st); err != nil {
				return err
			}
			if ae := s.faults.inject(op); ae != nil {
				return ae
			}
			if ae := s.authenticate(c, st, op); ae != nil {
				return ae
			}
			for _, pp := range op.PathParams {
				if !converts(pp.Converter, c.Param(pp.Name)) {
					return notFound()
				}
			}
			q := c.QueryParams()
			if ae := checkQuery(op, q); ae != nil {
				return ae
			}
			for _, name := range s.faults.current().IgnoredParams {
				delete(q, name) // accepted above, then silently not applied
			}
			if err := s.faults.slowDown(ctx, st, op); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// converts reports whether a path segment passes Django's URL converter: <int:…> takes digits
// (here: that fit in 64 bits), <uuid:…> a canonical UUID, <str:…> anything but nothing.
func converts(converter, v string) bool {
	switch converter {
	case "int":
		for _, r := range v {
			if r < '0' || r > '9' {
				return false
			}
		}
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case "uuid":
		_, err := uuid.Parse(v)
		return err == nil && len(v) == 36
	}
	return v != ""
}
