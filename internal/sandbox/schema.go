package sandbox

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// SchemaRetrieve serves the OpenAPI schema as drf-spectacular does: YAML by default, JSON for
// ?format=json or a JSON Accept header. With RenameParams the served schema carries the new
// names, which is how schema drift is demonstrated.
func (h *server) SchemaRetrieve(c echo.Context, p janaapi.SchemaRetrieveParams) error {
	accept := c.Request().Header.Get(echo.HeaderAccept)
	switch {
	case p.Format != nil && *p.Format == janaapi.SchemaRetrieveParamsFormatJson,
		p.Format == nil && strings.Contains(accept, "application/vnd.oai.openapi+json"):
		return c.Blob(http.StatusOK, "application/vnd.oai.openapi+json", h.s.spec.json)
	case p.Format == nil && strings.Contains(accept, "application/json"):
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, h.s.spec.json)
	case p.Format == nil && strings.Contains(accept, "application/yaml"):
		return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", h.s.spec.yaml)
	}
	return c.Blob(http.StatusOK, "application/vnd.oai.openapi; charset=utf-8", h.s.spec.yaml)
}
