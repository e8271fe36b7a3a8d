package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// The light call every comparison uses: one small GET that Jana answers from a catalogue.
// Our tool list_pollutants with LightArgs sends exactly LightPath, the floor's tool GETs it,
// and Direct mode's "pollutants" query is the same request made with the generated client.
const (
	LightTool = "list_pollutants"
	LightArgs = `{"limit":100}`
	LightPath = "/api/v1/data-sources/openaq/parameters/?page=1&page_size=100"
	// LightOperation is the sandbox's operation id of LightPath (its request counters).
	LightOperation = "v1_data_sources_openaq_parameters_list"
	// PeerLightTool is @ivotoby/openapi-mcp-server's tool for the same operation, and
	// PeerLightArgs the arguments that make it send LightPath.
	PeerLightTool = "v-1-data-sources-openaq-params-lst"
	PeerLightArgs = `{"page":1,"page_size":100}`
)

// Queries Direct can make.
const (
	// QueryPollutants is LightPath.
	QueryPollutants = "pollutants"
	// QueryEdgar is EDGAR country totals, Rows rows from offset 0: what edgar_country_totals
	// with {"limit": Rows} sends.
	QueryEdgar = "edgar"
)

// DirectConfig is a measurement of the backend alone: Workers goroutines making the same
// query with the generated client, with no MCP in between.
type DirectConfig struct {
	Backend  string
	Token    string
	Workers  int
	Warmup   time.Duration
	Duration time.Duration
	Query    string
	Rows     int
}

// DirectResult is the outcome of Direct.
type DirectResult struct {
	Backend string `json:"backend"`
	Query   string `json:"query"`
	Rows    int    `json:"rows,omitempty"`
	Workers int    `json:"workers"`
	Summary
	BodyBytes float64 `json:"body_bytes_per_call"`
	Run       Run     `json:"-"`
}

// Direct measures the query.
func Direct(ctx context.Context, cfg DirectConfig) (*DirectResult, error) {
	if cfg.Workers < 1 {
		return nil, errors.New("at least one worker is needed")
	}
	if cfg.Query == "" {
		cfg.Query = QueryPollutants
	}
	hc := &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        max(64, 2*cfg.Workers),
		MaxIdleConnsPerHost: max(64, 2*cfg.Workers),
		IdleConnTimeout:     90 * time.Second,
	}}
	defer hc.CloseIdleConnections()
	api, err := janaapi.NewClientWithResponses(cfg.Backend, janaapi.WithHTTPClient(hc),
		janaapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			if cfg.Token != "" {
				r.Header.Set("Authorization", "Token "+cfg.Token)
			}
			return nil
		}))
	if err != nil {
		return nil, err
	}
	query, err := directQuery(api, cfg.Query, cfg.Rows)
	if err != nil {
		return nil, err
	}
	// One call first, so that a wrong token or URL is an error, not a run of failures.
	if _, err := query(ctx); err != nil {
		return nil, err
	}
	var calls, body atomic.Int64
	run := Drive(ctx, cfg.Workers, cfg.Warmup, cfg.Duration, func(ctx context.Context, _ int) error {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		n, err := query(cctx)
		calls.Add(1)
		body.Add(int64(n))
		return err
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &DirectResult{Backend: cfg.Backend, Query: cfg.Query, Rows: cfg.Rows, Workers: cfg.Workers, Summary: run.Summary(), Run: run}
	if n := calls.Load(); n > 0 {
		res.BodyBytes = round3(float64(body.Load()) / float64(n))
	}
	return res, nil
}

// bodyLength is a direct query's outcome: the body's length, and an error unless Jana answered
// a JSON 200 (decoded is the generated client's JSON200 being set).
func bodyLength(decoded bool, status int, body []byte) (int, error) {
	if !decoded {
		return len(body), fmt.Errorf("status %d: %.200s", status, body)
	}
	return len(body), nil
}

// directQuery returns a function making one query and returning the body's length.
func directQuery(api *janaapi.ClientWithResponses, query string, rows int) (func(context.Context) (int, error), error) {
	switch query {
	case QueryPollutants:
		page, size := 1, 100
		params := &janaapi.V1DataSourcesOpenaqParametersListParams{Page: &page, PageSize: &size}
		return func(ctx context.Context) (int, error) {
			resp, err := api.V1DataSourcesOpenaqParametersListWithResponse(ctx, params)
			if err != nil {
				return 0, err
			}
			return bodyLength(resp.JSON200 != nil, resp.StatusCode(), resp.Body)
		}, nil
	case QueryEdgar:
		if rows < 1 {
			return nil, errors.New("the edgar query needs rows ≥ 1")
		}
		offset := 0
		params := &janaapi.V1DataSourcesEdgarCountryTotalsListParams{Limit: &rows, Offset: &offset}
		return func(ctx context.Context) (int, error) {
			resp, err := api.V1DataSourcesEdgarCountryTotalsListWithResponse(ctx, params)
			if err != nil {
				return 0, err
			}
			return bodyLength(resp.JSON200 != nil, resp.StatusCode(), resp.Body)
		}, nil
	}
	return nil, fmt.Errorf("query %q is not one of %s, %s", query, QueryPollutants, QueryEdgar)
}
