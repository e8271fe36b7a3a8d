package sandbox

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// Answers of different endpoints about the same thing agree: each pair is fetched over HTTP
// and compared.

func (e *testEnv) rows(t *testing.T, path string) []map[string]any {
	t.Helper()
	resp, body := e.get(t, e.url+path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %.300s", path, resp.StatusCode, body)
	}
	return walkPages(t, e, body)
}

// TestSensorAggregatesAgreeWithRawReadings: a day's, hour's and year's mean from the
// aggregate endpoints is the mean of that period's valid readings from measurements/.
func TestSensorAggregatesAgreeWithRawReadings(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	d := e.sb.Dataset()
	for _, si := range []int{4, 100, 1000} {
		s := &d.Sensors[si]
		loc := d.Locations[s.Location].ID
		raw := e.rows(t, fmt.Sprintf("/api/v1/data-sources/openaq/measurements/?location_id=%d&parameter_name=%s&date_from=2026-02-14T00:00:00Z&date_to=2026-02-14T23:59:59Z&page_size=1000",
			loc, s.Parameter))
		var sum float64
		n := 0
		for _, r := range raw {
			if num(r["sensor_id"]) == float64(s.ID) && num(r["value"]) != data.SentinelValue {
				sum += num(r["value"])
				n++
			}
		}
		daily := e.rows(t, fmt.Sprintf("/api/v1/data-sources/openaq/sensors/%d/daily/?date_from=2026-02-14&date_to=2026-02-14", s.ID))
		if n == 0 || len(daily) != 1 {
			t.Fatalf("sensor %d: %d raw readings, %d days", s.ID, n, len(daily))
		}
		if got, want := num(daily[0]["avg_value"]), sum/float64(n); math.Abs(got-want) > 1e-6 || int(num(daily[0]["count"])) != n {
			t.Errorf("sensor %d on 2026-02-14: daily mean %v over %v readings, raw readings give %v over %d", s.ID, got, daily[0]["count"], want, n)
		}
		hourly := e.rows(t, fmt.Sprintf("/api/v1/data-sources/openaq/sensors/%d/hourly/?date_from=2026-02-14T00:00:00&date_to=2026-02-14T23:00:00", s.ID))
		var hsum float64
		for _, h := range hourly {
			hsum += num(h["avg_value"])
		}
		if math.Abs(hsum/float64(len(hourly))-sum/float64(n)) > 1e-6 {
			t.Errorf("sensor %d: the day's hours average %v, its readings %v", s.ID, hsum/float64(len(hourly)), sum/float64(n))
		}
	}
}

// TestAggregatedEmissionsAreTheAssetRows: Climate TRACE's aggregation, annual country
// emissions and the totals endpoint all equal the sum of the emission rows they cover.
func TestAggregatedEmissionsAreTheAssetRows(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	rows := e.rows(t, "/api/v1/data-sources/climatetrace/emissions/?country_iso3=NLD&sector_name=cement&gas=co2&start_date=2022-01-01&end_date=2022-12-31&page_size=200")
	var rowsSum float64
	assets := map[float64]bool{}
	for _, r := range rows {
		rowsSum += num(r["emissions_quantity"])
		assets[num(r["asset_id"])] = true
	}
	if len(rows) == 0 {
		t.Fatal("no Dutch cement rows in 2022")
	}
	_, body := e.get(t, e.url+"/api/v1/data-sources/climatetrace/emissions/aggregated-emissions/?countries=NLD&subsectors=cement&years=2022&gas=co2")
	agg := decode[janaapi.ClimateTraceAggregatedEmissions](t, body)
	annual := e.rows(t, "/api/v1/data-sources/climatetrace/annual-country-emissions/?country_iso3=NLD&year=2022&sector=cement&gas_type=co2")
	_, body = e.get(t, e.url+"/api/v1/data-sources/climatetrace/emissions/totals/?country_iso3=NLD&sector_name=cement&gas=co2&date_from=2022-01-01&date_to=2022-12-31")
	totals := decode[janaapi.ClimateTraceEmissionTotals](t, body)
	for name, got := range map[string]float64{"aggregated-emissions": agg.EmissionsQuantity, "annual-country-emissions": num(annual[0]["emissions_quantity"]),
		"emissions/totals total_co2": totals.TotalCo2} {
		if relDiff(got, rowsSum) > 1e-6 {
			t.Errorf("%s: %v t, the %d rows sum to %v t", name, got, len(rows), rowsSum)
		}
	}
	if agg.AssetCount != len(assets) || int(num(annual[0]["asset_count"])) != len(assets) {
		t.Errorf("%d assets in the rows; aggregation says %d, annual %v", len(assets), agg.AssetCount, annual[0]["asset_count"])
	}
}

// TestGlobalCarbonProjectAgreesWithEdgar: a country's GCP territorial CO2 is in the same
// ballpark as its EDGAR CO2 total (the inventories differ in method by a few percent).
func TestGlobalCarbonProjectAgreesWithEdgar(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	for _, iso3 := range []string{"USA", "CHN", "IND", "DEU", "NPL"} {
		gcp := e.rows(t, "/api/v1/data-sources/gcp/national-emissions/?country_code="+iso3+"&year=2022&budget_version=2024")
		edgar := e.rows(t, "/api/v1/data-sources/edgar/country-totals/?country_iso3="+iso3+"&year=2022&gas=CO2&sector=TOTAL")
		if len(gcp) != 1 || len(edgar) != 1 {
			t.Fatalf("%s: %d GCP rows, %d EDGAR rows", iso3, len(gcp), len(edgar))
		}
		g, ed := num(gcp[0]["territorial_mtco2"]), num(edgar[0]["value"])/1000
		if relDiff(g, ed) > 0.12 {
			t.Errorf("%s 2022: GCP %v MtCO2, EDGAR %v", iso3, g, ed)
		}
		if pc := num(gcp[0]["per_capita_tco2"]); math.Abs(pc-g/num(gcp[0]["population_millions"])) > 0.01 {
			t.Errorf("%s: per capita %v", iso3, pc)
		}
	}
	fuels := e.rows(t, "/api/v1/data-sources/gcp/emissions-by-fuel/?year=2023&budget_version=2024")
	budget := e.rows(t, "/api/v1/data-sources/gcp/carbon-budget/?year=2023&budget_version=2024")
	nations := e.rows(t, "/api/v1/data-sources/gcp/national-emissions/?year=2023&budget_version=2024&page_size=1000")
	var sum float64
	for _, n := range nations {
		sum += num(n["territorial_mtco2"])
	}
	if relDiff(num(fuels[0]["total"]), sum) > 1e-5 || math.Abs(num(budget[0]["fossil_emissions"])-sum/1000) > 0.002 {
		t.Errorf("2023: nations %v Mt, fuels %v Mt, budget fossil %v Gt", sum, fuels[0]["total"], budget[0]["fossil_emissions"])
	}
}

// TestOwnersAreGLEIFEntities: an asset's company matches name GLEIF entities whose parents
// endpoint gives the ultimate parent the matches name, and an entity's asset-matches are its
// company matches.
func TestOwnersAreGLEIFEntities(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	fx := findFixtures(t, e.sb.Dataset())
	a, _ := e.sb.Dataset().AssetByID(fx.ownedAsset)
	matches := e.rows(t, "/api/v1/data-sources/climatetrace/company-matches/?search="+url.QueryEscape(a.Name))
	var owner, parent string
	for _, m := range matches {
		if num(m["asset_id"]) != float64(a.ID) {
			continue
		}
		switch m["relationship_type"] {
		case "owner":
			owner = m["legal_entity_lei"].(string)
		case "parent":
			parent = m["legal_entity_lei"].(string)
		}
	}
	if owner == "" || parent == "" {
		t.Fatalf("asset %d (%s): owner %q, parent %q in %d matches", a.ID, a.Name, owner, parent, len(matches))
	}
	_, body := e.get(t, e.url+"/api/v1/data-sources/gleif/entities/"+owner+"/parents/")
	if p := decode[janaapi.GleifEntityParents](t, body); p.UltimateParent == nil || p.UltimateParent.Lei != parent {
		t.Errorf("GLEIF's ultimate parent of %s is %+v, the matches name %s", owner, p.UltimateParent, parent)
	}
	_, body = e.get(t, e.url+"/api/v1/data-sources/gleif/entities/"+owner+"/asset-matches/")
	viaGLEIF := decode[[]janaapi.ClimateTraceCompanyMatch](t, body)
	viaCT := e.rows(t, "/api/v1/data-sources/climatetrace/company-matches/?legal_entity_lei="+owner+"&page_size=1000")
	if len(viaGLEIF) != len(viaCT) || len(viaCT) == 0 {
		t.Errorf("%s: %d asset matches, %d company matches", owner, len(viaGLEIF), len(viaCT))
	}
	children := e.rows(t, "/api/v1/data-sources/gleif/entities/"+parent+"/children/")
	rels := e.rows(t, "/api/v1/data-sources/gleif/relationships/?end_lei="+parent+"&relationship_type=IS_DIRECTLY_CONSOLIDATED_BY&relationship_status=ACTIVE")
	if len(children) != len(rels) || len(children) == 0 {
		t.Errorf("%s: %d children, %d direct relationships", parent, len(children), len(rels))
	}
}

func (e *testEnv) send(t *testing.T, method, rawURL, token string, body any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx(t), method, rawURL, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestExportFlow: POST exports/ queues a job, its status completes, and the file downloads as
// CSV (or gzipped JSON) holding the rows data/ answers for the same query; only its owner sees
// it; failures and expiry answer as Jana's clients expect.
func TestExportFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Users: []User{{Username: "other", Password: "other-password"}}})
	other := DefaultToken(testSeed, "other")
	query := map[string]any{"sources": []string{"openaq"}, "country_codes": []string{"NPL"}, "date_from": "2026-09-29T00:00:00Z", "limit": 40}

	created, err := e.client.V1EsgExportsCreateWithResponse(ctx(t), janaapi.ExportRequest{QueryParams: query, ExportFormat: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	if created.StatusCode() != http.StatusCreated || created.JSON201 == nil || created.JSON201.Status != "pending" {
		t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
	}
	id := created.JSON201.ExportId
	status, err := e.client.V1EsgExportsRetrieveWithResponse(ctx(t), id)
	if err != nil || status.JSON200 == nil {
		t.Fatalf("status: %v %s", err, status.Body)
	}
	job := status.JSON200
	if job.Status != "completed" || job.RecordCount == nil || job.DownloadUrl == nil || job.ProgressPercent != 100 {
		t.Fatalf("job after the first look: %+v", job)
	}
	file, err := e.client.V1EsgExportsDownloadRetrieveWithResponse(ctx(t), id)
	if err != nil || file.StatusCode() != http.StatusOK || !strings.HasPrefix(file.HTTPResponse.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("download: %v %d %.200s", err, file.StatusCode(), file.Body)
	}
	recs, err := csv.NewReader(bytes.NewReader(file.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != *job.RecordCount || int64(len(file.Body)) != *job.FileSizeBytes {
		t.Errorf("%d CSV rows, %d bytes; the job says %d records, %d bytes", len(recs)-1, len(file.Body), *job.RecordCount, *job.FileSizeBytes)
	}
	// The same query through data/ answers the same readings.
	_, body := e.get(t, e.url+"/api/v1/esg/data/?sources=openaq&country_codes=NPL&date_from=2026-09-29T00:00:00Z&limit=40")
	unified := decode[janaapi.UnifiedDataResponse](t, body)
	if aq := *unified.Data.AirQuality; len(aq) != len(recs)-1 || fmt.Sprint(aq[0].Value) != recs[1][5] || aq[0].LocationName != recs[1][3] {
		t.Errorf("export rows differ from data/: %d vs %d; first %v vs %v", len(recs)-1, len(aq), recs[1], aq[0])
	}
	// Only its owner sees it.
	if resp, _ := e.send(t, http.MethodGet, *job.DownloadUrl, other, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user's download: %d", resp.StatusCode)
	}

	// Gzipped JSON.
	gz, _ := e.client.V1EsgExportsCreateWithResponse(ctx(t), janaapi.ExportRequest{QueryParams: query, ExportFormat: "json",
		Compression: new(janaapi.ExportRequestCompression("gzip"))})
	file, _ = e.client.V1EsgExportsDownloadRetrieveWithResponse(ctx(t), gz.JSON201.ExportId)
	zr, err := gzip.NewReader(bytes.NewReader(file.Body))
	if err != nil || file.HTTPResponse.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("gzip download: %v %s", err, file.HTTPResponse.Header.Get("Content-Type"))
	}
	var doc janaapi.EsgExportResponse
	if err := json.NewDecoder(zr).Decode(&doc); err != nil || len(doc.Data) != len(recs)-1 {
		t.Errorf("gzipped JSON: %v, %d records", err, len(doc.Data))
	}

	// What the server cannot produce fails, and its download says so.
	pq, _ := e.client.V1EsgExportsCreateWithResponse(ctx(t), janaapi.ExportRequest{QueryParams: query, ExportFormat: "parquet"})
	st, _ := e.client.V1EsgExportsRetrieveWithResponse(ctx(t), pq.JSON201.ExportId)
	if st.JSON200.Status != "failed" || st.JSON200.Error == nil {
		t.Errorf("parquet: %+v", st.JSON200)
	}
	if d, _ := e.client.V1EsgExportsDownloadRetrieveWithResponse(ctx(t), pq.JSON201.ExportId); d.StatusCode() != http.StatusConflict {
		t.Errorf("failed download: %d", d.StatusCode())
	}
	// Expired exports answer 410.
	e.sb.exports.mu.Lock()
	e.sb.exports.jobs[id].expires = time.Now().Add(-time.Minute)
	e.sb.exports.mu.Unlock()
	if d, _ := e.client.V1EsgExportsDownloadRetrieveWithResponse(ctx(t), id); d.StatusCode() != http.StatusGone {
		t.Errorf("expired download: %d", d.StatusCode())
	}
	if s, _ := e.client.V1EsgExportsRetrieveWithResponse(ctx(t), id); s.JSON200 == nil || s.JSON200.Status != "expired" {
		t.Errorf("expired status: %s", s.Body)
	}

	// Bad requests: DRF field errors, and no job.
	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"export_format": "csv"}, "query_params"},
		{map[string]any{"query_params": query}, "export_format"},
		{map[string]any{"query_params": query, "export_format": "xlsx"}, "export_format"},
		{map[string]any{"query_params": map[string]any{"country_codes": []string{"NPL"}, "cursor": "x"}, "export_format": "csv"}, "query_params"},
		{map[string]any{"query_params": map[string]any{"sources": []string{"openaq"}}, "export_format": "csv"}, "query_params"},
		{map[string]any{"query_params": map[string]any{"location_bbox": []float64{1, 2}}, "export_format": "csv"}, "query_params"},
		{map[string]any{"query_params": query, "export_format": "csv", "expires_in_hours": 1000}, "expires_in_hours"},
	} {
		resp, b := e.send(t, http.MethodPost, e.url+"/api/v1/esg/exports/", e.sb.DemoToken(), c.body)
		var errs map[string]any
		_ = json.Unmarshal(b, &errs)
		if resp.StatusCode != http.StatusBadRequest || errs[c.field] == nil {
			t.Errorf("%v: %d %s, want 400 naming %s", c.body, resp.StatusCode, b, c.field)
		}
	}
	// Unknown and malformed ids are 404s, as Django's <uuid:…> route makes them.
	for _, path := range []string{uuid.NewString(), "not-a-uuid"} {
		if resp, _ := e.send(t, http.MethodGet, e.url+"/api/v1/esg/exports/"+path+"/", e.sb.DemoToken(), nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("export %s: %d", path, resp.StatusCode)
		}
	}
}

// TestExportStoreIsBounded: however many exports are made, the store keeps at most maxExports.
func TestExportStoreIsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	for i := 0; i < maxExports+20; i++ {
		if r, _ := e.client.V1EsgExportsCreateWithResponse(ctx(t), janaapi.ExportRequest{QueryParams: map[string]any{"country_codes": []string{"NPL"}},
			ExportFormat: "csv"}); r.StatusCode() != http.StatusCreated {
			t.Fatalf("create %d: %d", i, r.StatusCode())
		}
	}
	e.sb.exports.mu.Lock()
	n := len(e.sb.exports.jobs)
	e.sb.exports.mu.Unlock()
	if n != maxExports {
		t.Errorf("%d exports kept, want %d", n, maxExports)
	}
}
