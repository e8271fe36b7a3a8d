// Package e2e holds end-to-end tests that drive a running jana-mcp server (in front of the
// sandbox) with clients other than our own: the official TypeScript SDK client, mcp-remote
// (what Claude Desktop runs) and the MCP conformance suite. They need the Node tooling that
// scripts/node-setup.sh installs; `make test` installs it and sets JANA_MCP_REQUIRE_NODE=1,
// without which a missing install skips these tests instead of failing them.
package e2e
