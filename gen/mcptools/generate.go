package mcptools

//go:generate go run ../../cmd/jana-mcp-toolgen -manifest ../../api/tools.yaml -schema ../../api/openapi.yaml -client ../janaapi -out .
