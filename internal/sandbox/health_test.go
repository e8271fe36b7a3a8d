package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// TestFreshnessFollowsTheClock: a source's lag is measured from the sandbox's now, so data
// that ended months ago reads stale with an alert, and the same data the day after its end
// reads fresh.
func TestFreshnessFollowsTheClock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		now      time.Time
		openaq   janaapi.StatusEnum
		lagHours float64
		alert    string // in an alert about OpenAQ; "" for none
	}{
		{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), janaapi.StatusEnumFresh, 3, ""},
		{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), janaapi.StatusEnumStale, 61*24 + 3, "OpenAQ data is 61 days old"},
	} {
		env := newEnv(t, Config{Clock: func() time.Time { return tc.now }})
		resp, err := env.client.V1EsgSystemHealthRetrieveWithResponse(t.Context())
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%s: system health: %v %s", tc.now, err, resp.Body)
		}
		h := resp.JSON200
		var seen bool
		for _, f := range h.DataFreshness {
			if f.Source != srcOpenAQ {
				continue
			}
			seen = true
			if f.Status != tc.openaq || f.LagHours == nil || *f.LagHours != tc.lagHours {
				t.Errorf("%s: OpenAQ %s, lag %v h; want %s, %v h", tc.now, f.Status, f.LagHours, tc.openaq, tc.lagHours)
			}
		}
		if !seen {
			t.Fatalf("%s: no OpenAQ freshness in %+v", tc.now, h.DataFreshness)
		}
		var alert string
		for _, a := range h.Alerts {
			if a.Source != nil && *a.Source == srcOpenAQ {
				alert = a.Message
			}
		}
		if tc.alert == "" && alert != "" || !strings.Contains(alert, tc.alert) {
			t.Errorf("%s: OpenAQ alert %q, want %q", tc.now, alert, tc.alert)
		}
		if tc.openaq != janaapi.StatusEnumFresh && h.SystemStatus != janaapi.SystemStatusEnumDegraded {
			t.Errorf("%s: system %s with stale data", tc.now, h.SystemStatus)
		}
	}
}
