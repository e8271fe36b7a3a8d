// Package bench is jana-mcp's benchmark harness: a load generator that drives MCP servers
// with the official go-sdk client over legacy SSE, stateful and stateless Streamable HTTP
// (Load), the same backend query made with the generated Jana client and no MCP in between
// (Direct), the thinnest possible go-sdk bridge to compare against (Floor), idle-session
// memory (Idle), the response cache (Cache), the TypeScript-SDK load script that drives the
// Node peer (NodeLoad), and the standard set that runs them all against subprocesses and
// writes docs/benchmarks.md (Suite).
//
// Benchmarks are measurements, not tests: nothing here asserts a figure. The report compares
// figures taken in one run against the targets and says PASS or MISS.
package bench
