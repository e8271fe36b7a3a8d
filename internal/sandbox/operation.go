package sandbox

import (
	"strconv"

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
			if op.HasPath {
				// Django's <int:pk> converter: anything else does not route.
				if _, err := strconv.Atoi(c.Param("id")); err != nil {
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
