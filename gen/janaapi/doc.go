// Package janaapi is the Go client, models and server interface generated from Jana's
// OpenAPI schema (api/openapi.yaml), after the overlay and the drf-spectacular fixes of
// internal/spec. Nothing here is edited by hand: change the schema, overlay or codegen
// configuration in api/ and run `make generate` (gen/generate.go).
package janaapi
