// Package janaapi is the Go client, models and server interface generated from Jana's
// OpenAPI schema (api/openapi.yaml). Nothing here is edited by hand: change the schema,
// overlay or codegen configuration in api/ and run `make generate`.
package janaapi

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../../api/codegen/models.yaml ../../api/openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../../api/codegen/client.yaml ../../api/openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../../api/codegen/server.yaml ../../api/openapi.yaml
