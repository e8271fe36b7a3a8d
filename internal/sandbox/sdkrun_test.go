package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Fixes found by running jana-eko-client v0.3.0 against the sandbox (test/sdk/run_eko_sdk.py):
// each test sends what the SDK sends, over HTTP, and checks the answer Jana's clients rely on.

// TestTableStatisticsPagesLikeEveryCountedList: esg/statistics/ is a counted list like every
// other, so it takes page and page_size as well as limit and offset. The SDK's fetch_all_pages
// sends page_size and limit together (client.py, fetch_all_pages) and follows next to the end.
func TestTableStatisticsPagesLikeEveryCountedList(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	type page struct {
		Count    int               `json:"count"`
		Next     *string           `json:"next"`
		Previous *string           `json:"previous"`
		Results  []json.RawMessage `json:"results"`
	}
	get := func(t *testing.T, rawURL string) page {
		t.Helper()
		resp, body := e.get(t, rawURL)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", rawURL, resp.StatusCode, body)
		}
		return decode[page](t, body)
	}
	all := get(t, e.url+"/api/v1/esg/statistics/?limit=1000")
	if all.Count < 4 || len(all.Results) != all.Count {
		t.Fatalf("the whole list: count %d, %d rows", all.Count, len(all.Results))
	}

	// fetch_all_pages: page_size and limit on the first request, then the next links.
	var rows []string
	link := e.url + "/api/v1/esg/statistics/?page_size=3&limit=3"
	for n := 0; link != ""; n++ {
		if n > all.Count {
			t.Fatal("next links do not end")
		}
		p := get(t, link)
		if p.Count != all.Count {
			t.Fatalf("count %d on %s, %d on the whole list", p.Count, link, all.Count)
		}
		for _, r := range p.Results {
			rows = append(rows, string(r))
		}
		link = ""
		if p.Next != nil {
			link = *p.Next
		}
	}
	if len(rows) != all.Count {
		t.Fatalf("paging by page_size+limit gave %d rows, count is %d", len(rows), all.Count)
	}
	for i, r := range rows {
		if r != string(all.Results[i]) {
			t.Fatalf("row %d differs from the whole list's: %s vs %s", i, r, all.Results[i])
		}
	}

	// Page numbers, as the demos page counted lists.
	p2 := get(t, e.url+"/api/v1/esg/statistics/?page=2&page_size=3")
	if len(p2.Results) == 0 || string(p2.Results[0]) != string(all.Results[3]) {
		t.Fatalf("page 2 of 3 does not start with row 4: %s", p2.Results)
	}
	if p2.Previous == nil || queryOf(t, p2.Previous, "page") != "" {
		t.Fatalf("page 2's previous link should drop page: %v", p2.Previous)
	}
	if resp, body := e.get(t, e.url+"/api/v1/esg/statistics/?page=99&page_size=3"); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(string(body), msgInvalidPage) {
		t.Fatalf("a page past the end: %d %s", resp.StatusCode, body)
	}
}

// TestDataTakesBboxPrecisionLevels: the SDK documents bbox_precision as a level, "low, medium,
// high" (user_client.py get_data_async), which esg/data/ accepts; other values get DRF's
// choice error.
func TestDataTakesBboxPrecisionLevels(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	base := e.url + "/api/v1/esg/data/?sources=openaq&country_codes=NPL&limit=5&bbox_precision="
	for _, level := range []string{"low", "medium", "high"} {
		if resp, body := e.get(t, base+level); resp.StatusCode != http.StatusOK {
			t.Errorf("bbox_precision=%s: %d %.300s", level, resp.StatusCode, body)
		}
	}
	resp, body := e.get(t, base+"3")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bbox_precision=3: %d %.300s", resp.StatusCode, body)
	}
	errs := decode[map[string][]string](t, body)
	if len(errs["bbox_precision"]) != 1 || errs["bbox_precision"][0] != `"3" is not a valid choice.` {
		t.Fatalf("bbox_precision=3: %s", body)
	}
}

// TestClimateTraceDateFiltersTakeDateTimes: the Climate TRACE date_from/date_to filters (and
// the unified sectors') take an ISO 8601 date-time, which is what the SDK sends for a Python
// datetime (datetime(2022, 1, 1).isoformat() is 2022-01-01T00:00:00), and select the same rows
// as the date an instant stands for: rows start at midnight, so date_from counts from the next
// midnight at or after it and date_to up to the last midnight at or before it.
func TestClimateTraceDateFiltersTakeDateTimes(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	v1 := e.url + "/api/v1/"
	body := func(t *testing.T, path string, q url.Values) string {
		t.Helper()
		resp, b := e.get(t, v1+path+"?"+q.Encode())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s?%s: %d %.300s", path, q.Encode(), resp.StatusCode, b)
		}
		return string(b)
	}
	ops := []struct {
		path  string
		fixed url.Values
	}{
		{"data-sources/climatetrace/emissions/totals/", url.Values{"country_code": {"NPL"}}},
		{"data-sources/climatetrace/emissions/sector_totals/", url.Values{"country_code": {"NPL"}}},
		{"data-sources/climatetrace/emissions/country_totals/", url.Values{"gas": {"co2e_100yr"}}},
		{"data-sources/climatetrace/emissions/", url.Values{"asset_id": {"1"}, "limit": {"100"}}},
		{"data-sources/climatetrace/assets/1/emissions/", url.Values{}},
		{"esg/sectors/", url.Values{"sources": {"climatetrace"}, "country_codes": {"NPL"}}},
	}
	cases := []struct{ from, to, sameFrom, sameTo string }{
		{"2022-01-01T00:00:00", "2022-12-31T00:00:00", "2022-01-01", "2022-12-31"},             // the SDK's datetime(...)
		{"2022-03-01T06:00:00Z", "2023-06-30T23:59:59", "2022-03-02", "2023-06-30"},            // not at midnight
		{"2022-02-28T20:00:00-05:00", "2022-09-01T00:30:00+01:00", "2022-03-02", "2022-08-31"}, // offsets: UTC 03-01 01:00, 08-31 23:30
	}
	for _, op := range ops {
		t.Run(op.path, func(t *testing.T) {
			t.Parallel()
			with := func(from, to string) url.Values {
				q := url.Values{}
				for k, v := range op.fixed {
					q[k] = v
				}
				q.Set("date_from", from)
				q.Set("date_to", to)
				return q
			}
			whole := body(t, op.path, op.fixed)
			for _, c := range cases {
				got := body(t, op.path, with(c.from, c.to))
				want := body(t, op.path, with(c.sameFrom, c.sameTo))
				if got != want {
					t.Errorf("date_from=%s&date_to=%s differs from date_from=%s&date_to=%s:\n%.300s\n%.300s",
						c.from, c.to, c.sameFrom, c.sameTo, got, want)
				}
			}
			if body(t, op.path, with("2031-01-01T00:00:00", "2031-12-31T00:00:00")) == whole {
				t.Error("date-times after the data select everything, as if ignored")
			}
			resp, b := e.get(t, v1+op.path+"?"+with("2022-01-01T25:00:00", "2022-12-31").Encode())
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), msgDate) {
				t.Errorf("an impossible time: %d %.300s", resp.StatusCode, b)
			}
		})
	}
}

// TestAssetEmissionsIsAListOfTheLatest100: assets/{id}/emissions/ answers what jana-eko-client
// documents, "List of emission records for the asset (limit 100)": a JSON array of the asset's
// newest 100 monthly records, the same records the emissions list holds for that asset.
func TestAssetEmissionsIsAListOfTheLatest100(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	type row struct {
		ID        int64  `json:"id"`
		AssetID   int    `json:"asset_id"`
		StartTime string `json:"start_time"`
	}
	resp, body := e.get(t, e.url+"/api/v1/data-sources/climatetrace/assets/1/emissions/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %.300s", resp.StatusCode, body)
	}
	if strings.TrimSpace(string(body))[0] != '[' {
		t.Fatalf("not a JSON array: %.200s", body)
	}
	got := decode[[]row](t, body)

	// Every record of asset 1 from the paginated emissions list, in id order.
	var all []row
	link := e.url + "/api/v1/data-sources/climatetrace/emissions/?asset_id=1&page_size=1000"
	for link != "" {
		resp, b := e.get(t, link)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %.300s", link, resp.StatusCode, b)
		}
		p := decode[struct {
			Next    *string `json:"next"`
			Results []row   `json:"results"`
		}](t, b)
		all = append(all, p.Results...)
		link = ""
		if p.Next != nil {
			link = *p.Next
		}
	}
	if len(all) <= assetEmissionsLimit {
		t.Fatalf("asset 1 has %d records; the test needs more than %d", len(all), assetEmissionsLimit)
	}
	if len(got) != assetEmissionsLimit {
		t.Fatalf("%d records, want %d", len(got), assetEmissionsLimit)
	}
	for i, r := range got {
		want := all[len(all)-1-i]
		if r != want {
			t.Fatalf("record %d is %+v, want the %d-th newest %+v", i, r, i+1, want)
		}
	}
	if got[0].StartTime < got[len(got)-1].StartTime {
		t.Fatalf("not newest first: %s ... %s", got[0].StartTime, got[len(got)-1].StartTime)
	}
	// The SDK sends no paging; a paging parameter is unknown to this action.
	if resp, b := e.get(t, e.url+"/api/v1/data-sources/climatetrace/assets/1/emissions/?page_size=10"); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(string(b), "unknown_params") {
		t.Fatalf("page_size: %d %.300s", resp.StatusCode, b)
	}
}
