// Package views holds the MCP Apps views (extension io.modelcontextprotocol/ui, 2026-01-26):
// self-contained HTML documents served as ui:// resources, which hosts that support MCP Apps
// render in a sandboxed iframe next to a tool's answer and feed with the tool's result over
// postMessage. The chart view draws get_trends and station_means series; the map view draws
// find_nearby places on a bundled world outline. Hosts without MCP Apps ignore the link and
// show the text answer.
package views
