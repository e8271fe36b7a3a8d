package sandbox

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

func TestPageNumberPagination(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	params := janaapi.V1DataSourcesOpenaqLocationsListParams{CountryCode: &[]string{"IN", "CN"}, PageSize: new(7)}
	seen := map[int]bool{}
	count, pages := -1, 0
	for {
		resp, err := e.client.V1DataSourcesOpenaqLocationsListWithResponse(ctx(t), &params)
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil {
			t.Fatalf("page %d: %d %s", pages+1, resp.StatusCode(), resp.Body)
		}
		pg := resp.JSON200
		if count >= 0 && pg.Count != count {
			t.Fatalf("count changed from %d to %d", count, pg.Count)
		}
		count = pg.Count
		pages++
		for _, l := range pg.Results {
			if seen[l.Id] {
				t.Fatalf("location %d served twice", l.Id)
			}
			seen[l.Id] = true
			if l.CountryCode != "IN" && l.CountryCode != "CN" {
				t.Errorf("location %d in %s", l.Id, l.CountryCode)
			}
		}
		if pages > 1 && (pg.Previous == nil || !strings.HasPrefix(*pg.Previous, e.url+"/api/v1/data-sources/openaq/locations/?")) {
			t.Errorf("page %d previous link %v", pages, pg.Previous)
		}
		if pg.Next == nil {
			break
		}
		if !strings.HasPrefix(*pg.Next, e.url+"/") {
			t.Fatalf("next %q is not absolute on %s", *pg.Next, e.url)
		}
		if got := queryOf(t, pg.Next, "country_code"); got != "IN,CN" {
			t.Fatalf("next lost the filter: %q", *pg.Next)
		}
		p, err := strconv.Atoi(queryOf(t, pg.Next, "page"))
		if err != nil {
			t.Fatal(err)
		}
		params.Page = &p
	}
	if count < 20 || len(seen) != count || pages != (count+6)/7 {
		t.Errorf("count %d, distinct %d, pages %d", count, len(seen), pages)
	}

	t.Run("out of range", func(t *testing.T) {
		resp, err := e.client.V1DataSourcesOpenaqLocationsListWithResponse(ctx(t), &janaapi.V1DataSourcesOpenaqLocationsListParams{Page: new(9999)})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != http.StatusNotFound || !strings.Contains(string(resp.Body), `"Invalid page."`) {
			t.Errorf("got %d %s", resp.StatusCode(), resp.Body)
		}
	})
	t.Run("page size capped", func(t *testing.T) {
		resp, err := e.client.V1DataSourcesOpenaqMeasurementsListWithResponse(ctx(t), &janaapi.V1DataSourcesOpenaqMeasurementsListParams{PageSize: new(5000)})
		if err != nil || resp.JSON200 == nil {
			t.Fatal(err, resp.StatusCode())
		}
		if n := len(resp.JSON200.Results); n != 1000 {
			t.Errorf("page of %d, want the 1000 maximum", n)
		}
	})
}

func TestNextLinkFollowedVerbatim(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	next := e.url + "/api/v1/data-sources/openaq/measurements/?location_id=3&parameter_name=pm25&date_from=2026-09-01T00:00:00Z&page_size=50"
	total, seen := -1, map[int64]bool{}
	for next != "" {
		resp, body := e.get(t, next, "X-Forwarded-Proto", "https")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
		}
		pg := decode[janaapi.PaginatedOpenAQMeasurementList](t, body)
		total = pg.Count
		for _, m := range pg.Results {
			if seen[m.Id] {
				t.Fatalf("measurement %d twice", m.Id)
			}
			seen[m.Id] = true
		}
		next = ""
		if pg.Next != nil {
			if !strings.HasPrefix(*pg.Next, "https://") {
				t.Fatalf("X-Forwarded-Proto not honoured: %s", *pg.Next)
			}
			// The test server speaks plain HTTP; follow the link on it.
			next = "http://" + strings.TrimPrefix(*pg.Next, "https://")
		}
	}
	// September 2026 at three-hourly resolution: 30 days × 8 readings.
	if total != 240 || len(seen) != total {
		t.Errorf("count %d, distinct %d, want 240", total, len(seen))
	}
}

func TestLimitOffsetPagination(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	gas := janaapi.V1DataSourcesEdgarCountryTotalsListParamsGasGHG
	params := janaapi.V1DataSourcesEdgarCountryTotalsListParams{CountryIso3: &[]string{"CHN", "USA"},
		Gas: &gas, Sector: new("TOTAL"), Limit: new(7)}
	seen := map[int]bool{}
	count := -1
	for i := 0; ; i++ {
		resp, err := e.client.V1DataSourcesEdgarCountryTotalsListWithResponse(ctx(t), &params)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%v %s", err, resp.Body)
		}
		pg := resp.JSON200
		count = pg.Count
		for _, r := range pg.Results {
			if seen[r.Id] {
				t.Fatalf("row %d twice", r.Id)
			}
			seen[r.Id] = true
			if r.GasType != "GHG" || r.Sector != "TOTAL" || (r.CountryCode != "CHN" && r.CountryCode != "USA") || r.Unit != "kt" {
				t.Errorf("row %+v does not match the filters", r)
			}
		}
		if i > 0 && pg.Previous == nil {
			t.Errorf("page %d has no previous link", i)
		}
		if pg.Next == nil {
			break
		}
		off, _ := strconv.Atoi(queryOf(t, pg.Next, "offset"))
		lim, _ := strconv.Atoi(queryOf(t, pg.Next, "limit"))
		params.Offset, params.Limit = &off, &lim
	}
	if want := 2 * (data.EdgarLastYear - data.EdgarFirstYear + 1); count != want || len(seen) != want {
		t.Errorf("count %d, distinct %d, want %d", count, len(seen), want)
	}
}

func TestCursorPagination(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)

	t.Run("assets", func(t *testing.T) {
		params := janaapi.V1DataSourcesClimatetraceAssetsListParams{CountryCode: &[]string{"NLD", "BEL"}, PageSize: new(9)}
		var ids []int
		var firstPage []int
		var prevOfSecond *string
		for page := 0; ; page++ {
			resp, err := e.client.V1DataSourcesClimatetraceAssetsListWithResponse(ctx(t), &params)
			if err != nil || resp.JSON200 == nil {
				t.Fatalf("%v %s", err, resp.Body)
			}
			for _, a := range resp.JSON200.Results {
				if a.CountryCode != "NLD" && a.CountryCode != "BEL" {
					t.Errorf("asset %d in %s", a.Id, a.CountryCode)
				}
				if len(ids) > 0 && a.Id <= ids[len(ids)-1] {
					t.Fatalf("ids not increasing: %d after %d", a.Id, ids[len(ids)-1])
				}
				ids = append(ids, a.Id)
				if page == 0 {
					firstPage = append(firstPage, a.Id)
				}
			}
			if page == 1 {
				prevOfSecond = resp.JSON200.Previous
			}
			if resp.JSON200.Next == nil {
				break
			}
			params.Cursor = new(queryOf(t, resp.JSON200.Next, "cursor"))
		}
		want := len(e.sb.Dataset().FilterAssets(data.AssetFilter{CountryISO3: []string{"NLD", "BEL"}}))
		if len(ids) != want || want < 20 {
			t.Errorf("followed %d assets, want %d", len(ids), want)
		}
		// The previous link of page two leads back to page one.
		resp, err := e.client.V1DataSourcesClimatetraceAssetsListWithResponse(ctx(t), &janaapi.V1DataSourcesClimatetraceAssetsListParams{
			CountryCode: &[]string{"NLD", "BEL"}, PageSize: new(9), Cursor: new(queryOf(t, prevOfSecond, "cursor"))})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%v %s", err, resp.Body)
		}
		var back []int
		for _, a := range resp.JSON200.Results {
			back = append(back, a.Id)
		}
		if len(back) != len(firstPage) || back[0] != firstPage[0] || resp.JSON200.Previous != nil {
			t.Errorf("previous page %v, want %v and no previous link", back, firstPage)
		}
	})

	t.Run("emissions", func(t *testing.T) {
		gas := []janaapi.V1DataSourcesClimatetraceEmissionsListParamsGas{"co2e_100yr", "ch4"}
		params := janaapi.V1DataSourcesClimatetraceEmissionsListParams{CountryCode: &[]string{"NOR"},
			Gas: &gas, PageSize: new(200)}
		seen := map[int64]bool{}
		var sum float64
		for {
			resp, err := e.client.V1DataSourcesClimatetraceEmissionsListWithResponse(ctx(t), &params)
			if err != nil || resp.JSON200 == nil {
				t.Fatalf("%v %s", err, resp.Body)
			}
			for _, r := range resp.JSON200.Results {
				if seen[r.Id] {
					t.Fatalf("emission %d twice", r.Id)
				}
				seen[r.Id] = true
				if r.Gas != "co2e_100yr" && r.Gas != "ch4" || *r.CountryCode != "NOR" {
					t.Errorf("row %+v outside the filters", r)
				}
				sum += r.Co2eTonnes
			}
			if resp.JSON200.Next == nil {
				break
			}
			params.Cursor = new(queryOf(t, resp.JSON200.Next, "cursor"))
		}
		tot, err := e.client.V1DataSourcesClimatetraceEmissionsTotalsRetrieveWithResponse(ctx(t),
			&janaapi.V1DataSourcesClimatetraceEmissionsTotalsRetrieveParams{CountryCode: &[]string{"NOR"},
				Gas: &[]janaapi.V1DataSourcesClimatetraceEmissionsTotalsRetrieveParamsGas{"co2e_100yr", "ch4"}})
		if err != nil || tot.JSON200 == nil {
			t.Fatalf("%v %s", err, tot.Body)
		}
		if int64(len(seen)) != tot.JSON200.RecordCount || len(seen) < 100 {
			t.Errorf("followed %d rows, totals say %d", len(seen), tot.JSON200.RecordCount)
		}
		if rel := (sum - tot.JSON200.TotalCo2e) / sum; rel > 1e-9 || rel < -1e-9 {
			t.Errorf("sum of co2e_tonnes %f, totals %f", sum, tot.JSON200.TotalCo2e)
		}
	})

	t.Run("grid", func(t *testing.T) {
		gas := janaapi.V1DataSourcesEdgarGridEmissionsListParamsGasCO2
		params := janaapi.V1DataSourcesEdgarGridEmissionsListParams{Bbox: new("4.2,51.8,4.8,52.1"), Gas: &gas, PageSize: new(50)}
		seen := map[int64]bool{}
		for {
			resp, err := e.client.V1DataSourcesEdgarGridEmissionsListWithResponse(ctx(t), &params)
			if err != nil || resp.JSON200 == nil {
				t.Fatalf("%v %s", err, resp.Body)
			}
			for _, r := range resp.JSON200.Results {
				if seen[r.Id] || r.GasType != "CO2" || r.Longitude < 4.2 || r.Longitude > 4.8 || r.Latitude < 51.8 || r.Latitude > 52.1 {
					t.Fatalf("row %+v repeated or outside the filters", r)
				}
				seen[r.Id] = true
			}
			if resp.JSON200.Next == nil {
				break
			}
			params.Cursor = new(queryOf(t, resp.JSON200.Next, "cursor"))
		}
		if len(seen) < 100 {
			t.Errorf("only %d grid rows around Rotterdam", len(seen))
		}
	})

	t.Run("invalid cursor", func(t *testing.T) {
		resp, err := e.client.V1DataSourcesClimatetraceAssetsListWithResponse(ctx(t), &janaapi.V1DataSourcesClimatetraceAssetsListParams{Cursor: new("not-base64!")})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != http.StatusNotFound || !strings.Contains(string(resp.Body), "Invalid cursor") {
			t.Errorf("got %d %s", resp.StatusCode(), resp.Body)
		}
	})
}

// TestHugeOffsets: an offset near the integer limit reads past the end (an empty page) instead
// of overflowing offset+limit.
func TestHugeOffsets(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	for _, q := range []string{"climatetrace/sectors/?limit=10&offset=9223372036854775807",
		"gcp/carbon-budget/?limit=1000&offset=9223372036854775000", "openaq/sensors/5/daily/?offset=9223372036854775807"} {
		resp, body := e.get(t, e.url+"/api/v1/data-sources/"+q)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"results":[]`) {
			t.Errorf("%s: %d %.200s", q, resp.StatusCode, body)
		}
	}
}
