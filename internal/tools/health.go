package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

type bridgeView struct {
	Version        string  `json:"version"`
	AuthMode       string  `json:"auth_mode"`
	UptimeSeconds  int64   `json:"uptime_seconds"`
	BackendOK      bool    `json:"backend_reachable"`
	HealthProbeMs  float64 `json:"health_probe_ms"`
	Requests       int64   `json:"backend_requests"`
	Failures       int64   `json:"backend_failures"`
	LastSuccess    string  `json:"last_success,omitempty"`
	LastFailure    string  `json:"last_failure,omitempty"`
	LastFailureWas int     `json:"last_failure_status,omitempty"`
}

type freshness struct {
	Source     string   `json:"source"`
	Status     string   `json:"status"`
	LastRecord string   `json:"last_record,omitempty"`
	LagHours   *float64 `json:"lag_hours,omitempty"`
}

func getSystemHealth(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "get_system_health",
		Title: "Jana platform health",
		Description: "Health of the Jana platform and of this bridge: Jana's overall status, data freshness per source (OpenAQ, Climate TRACE, EDGAR), " +
			"ingestion, API performance, database and alerts, plus this server's own view (is Jana reachable now, probe latency, recent backend failures). " +
			"Use it when data looks stale or calls fail. No arguments.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[freshness]("data_freshness", "Per source: freshness status, last record, lag in hours."),
			toolkit.Rows[janaapi.HealthAlert]("alerts", "Jana's current alerts."),
			toolkit.Field[bridgeView]("bridge", "This server's own view of Jana."),
			toolkit.Field[string]("system_status", "Jana's overall status."),
			toolkit.Field[time.Time]("checked_at", "When Jana checked."),
			toolkit.Field[*janaapi.IngestionHealth]("ingestion", "Ingestion jobs."),
			toolkit.Field[*janaapi.ApiPerformance]("api_performance", "Jana's response times and error rate."),
			toolkit.Field[*janaapi.DatabaseHealth]("database", "Jana's database."),
		),
	}
	return toolkit.New(env, def, func(ctx context.Context, _ noArgs) (*toolkit.Page, error) {
		return systemHealth(ctx, env)
	})
}

func systemHealth(ctx context.Context, env *toolkit.Env) (*toolkit.Page, error) {
	var (
		health    *janaapi.SystemHealth
		healthErr error
		probeErr  error
		probe     time.Duration
	)
	toolkit.Parallel(func() {
		resp, err := env.Jana.API().V1EsgSystemHealthRetrieve(ctx)
		health, healthErr = jana.Decode[janaapi.SystemHealth]("v1_esg_system_health_retrieve", resp, err)
	}, func() {
		start := time.Now()
		resp, err := env.Jana.API().V1EsgHealthRetrieve(jana.WithoutCache(ctx))
		_, probeErr = jana.Decode[janaapi.HealthStatus]("v1_esg_health_retrieve", resp, err)
		probe = time.Since(start)
	})

	st := env.Jana.Stats()
	view := bridgeView{
		Version: env.Server.Version, AuthMode: env.Server.AuthMode,
		UptimeSeconds: int64(time.Since(env.Server.Started).Seconds()),
		BackendOK:     probeErr == nil, HealthProbeMs: float64(probe.Microseconds()) / 1000,
		Requests: st.Requests, Failures: st.Failures, LastFailureWas: st.LastFailureAt,
	}
	if !st.LastSuccess.IsZero() {
		view.LastSuccess = st.LastSuccess.UTC().Format(time.RFC3339)
	}
	if !st.LastFailure.IsZero() {
		view.LastFailure = st.LastFailure.UTC().Format(time.RFC3339)
	}
	page := &toolkit.Page{Fields: map[string]any{"bridge": view}}
	reach := "reachable"
	if probeErr != nil {
		reach = "NOT reachable (" + strings.TrimSuffix(toolkit.ErrorText(probeErr), ".") + ")"
	}
	bridgeLine := fmt.Sprintf("This bridge (jana-mcp %s, auth mode %s): Jana is %s; health probe %.1f ms; %d backend requests since start, %d failed.",
		view.Version, view.AuthMode, reach, view.HealthProbeMs, view.Requests, view.Failures)

	if healthErr != nil {
		page.Title = "Jana platform health unavailable: " + toolkit.ErrorText(healthErr)
		page.Notes = append(page.Notes, bridgeLine)
		return page, nil
	}
	page.Title = fmt.Sprintf("Jana platform status: %s (checked %s).", health.SystemStatus, health.CheckedAt.UTC().Format(time.RFC3339))
	page.Notes = append(page.Notes, bridgeLine)
	page.Fields["system_status"] = health.SystemStatus
	page.Fields["checked_at"] = health.CheckedAt
	for k, v := range map[string]any{"ingestion": health.IngestionHealth, "api_performance": health.ApiPerformance, "database": health.DatabaseHealth} {
		if v != nil {
			page.Fields[k] = v
		}
	}
	if h := health.IngestionHealth; h != nil {
		page.Notes = append(page.Notes, fmt.Sprintf("Ingestion: %s, %d failed jobs in 24 h, %d queued.", h.Status, toolkit.Value(h.FailedJobs24h), toolkit.Value(h.QueuedJobs)))
	}
	if db := health.DatabaseHealth; db != nil {
		page.Notes = append(page.Notes, fmt.Sprintf("Database: %s, %d active connections.", db.Status, toolkit.Value(db.ActiveConnections)))
	}
	if p := health.ApiPerformance; p != nil {
		page.Notes = append(page.Notes, fmt.Sprintf("API: average %s ms, p95 %s ms, error rate %s.", toolkit.NumPtr(p.AvgResponseMs), toolkit.NumPtr(p.P95ResponseMs), toolkit.NumPtr(p.ErrorRate)))
	}
	fresh := &toolkit.Table{Name: "data_freshness", Columns: []string{"source", "status", "last_record", "lag_hours"}, Total: -1}
	for _, f := range health.DataFreshness {
		row := freshness{Source: f.Source, Status: string(f.Status), LastRecord: toolkit.TimePtr(f.LastRecordAt), LagHours: f.LagHours}
		fresh.Add(row, row.Source, row.Status, row.LastRecord, toolkit.NumPtr(row.LagHours))
	}
	alerts := &toolkit.Table{Name: "alerts", Columns: []string{"level", "source", "message"}, Total: -1}
	for _, a := range health.Alerts {
		alerts.Add(a, string(a.Level), toolkit.Value(a.Source), a.Message)
	}
	page.Tables = []*toolkit.Table{fresh, alerts}
	return page, nil
}
