package sandbox

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// Global Carbon Project tables. budget_version selects a release; without it every release's
// rows are listed (the newest release supersedes the older one for the years both cover).

// release returns the index of a budget_version, -1 for all, or false when none matches.
func release(v *string) (int, bool) {
	if v == nil {
		return -1, true
	}
	i := slices.IndexFunc(data.GCPReleases, func(r data.GCPRelease) bool { return r.Version == *v })
	return i, i >= 0
}

func keepRelease(want, rel int) bool { return want < 0 || want == rel }

// V1DataSourcesGcpNationalEmissionsList pages national fossil CO2.
func (h *server) V1DataSourcesGcpNationalEmissionsList(c echo.Context, p janaapi.V1DataSourcesGcpNationalEmissionsListParams) error {
	want, ok := release(p.BudgetVersion)
	countries := upper(p.CountryCode)
	var rows []*data.GCPNational
	for i := range h.d.GCP.National {
		n := &h.d.GCP.National[i]
		switch {
		case !ok, !keepRelease(want, n.Release),
			p.Year != nil && n.Year != *p.Year,
			len(countries) > 0 && !slices.Contains(countries, h.d.Countries[n.Country].ISO3):
			continue
		}
		rows = append(rows, n)
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(rows))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedGcpNationalEmissionList{Count: len(rows), Next: w.next, Previous: w.prev,
		Results: []janaapi.GcpNationalEmission{}}
	for _, n := range pageOf(rows, w) {
		ct := h.d.Countries[n.Country]
		out.Results = append(out.Results, janaapi.GcpNationalEmission{Id: n.ID, CountryCode: ct.ISO3, CountryName: ct.Name,
			Year: n.Year, BudgetVersion: data.GCPReleases[n.Release].Version, TerritorialMtco2: n.Territorial,
			ConsumptionMtco2: new(n.Consumption), TransferMtco2: new(round(n.Consumption-n.Territorial, 3)),
			PopulationMillions: n.Population, PerCapitaTco2: n.PerCapita(), PerCapitaConsumptionTco2: new(n.PerCapitaConsumption())})
	}
	return writeJSON(c, http.StatusOK, out)
}

// gcpYearly filters a yearly global table by release and year.
func gcpYearly[T any](rows []T, relOf func(*T) (int, int), version *string, year *int) []*T {
	want, ok := release(version)
	var out []*T
	for i := range rows {
		rel, y := relOf(&rows[i])
		if ok && keepRelease(want, rel) && (year == nil || *year == y) {
			out = append(out, &rows[i])
		}
	}
	return out
}

// V1DataSourcesGcpEmissionsByFuelList pages global fossil CO2 by fuel.
func (h *server) V1DataSourcesGcpEmissionsByFuelList(c echo.Context, p janaapi.V1DataSourcesGcpEmissionsByFuelListParams) error {
	rows := gcpYearly(h.d.GCP.Fuels, func(f *data.GCPFuel) (int, int) { return f.Release, f.Year }, p.BudgetVersion, p.Year)
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(rows))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedGcpFuelEmissionList{Count: len(rows), Next: w.next, Previous: w.prev, Results: []janaapi.GcpFuelEmission{}}
	for _, f := range pageOf(rows, w) {
		out.Results = append(out.Results, janaapi.GcpFuelEmission{Id: f.ID, Year: f.Year, BudgetVersion: data.GCPReleases[f.Release].Version,
			Coal: f.Coal, Oil: f.Oil, Gas: f.Gas, Cement: f.Cement, Flaring: f.Flaring, Other: f.Other, Total: f.Sum, Unit: "MtCO2"})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesGcpCarbonBudgetList pages the global carbon budget.
func (h *server) V1DataSourcesGcpCarbonBudgetList(c echo.Context, p janaapi.V1DataSourcesGcpCarbonBudgetListParams) error {
	rows := gcpYearly(h.d.GCP.Budgets, func(b *data.GCPBudget) (int, int) { return b.Release, b.Year }, p.BudgetVersion, p.Year)
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(rows))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedGcpCarbonBudgetList{Count: len(rows), Next: w.next, Previous: w.prev, Results: []janaapi.GcpCarbonBudget{}}
	for _, b := range pageOf(rows, w) {
		out.Results = append(out.Results, janaapi.GcpCarbonBudget{Id: b.ID, Year: b.Year, BudgetVersion: data.GCPReleases[b.Release].Version,
			FossilEmissions: b.Fossil, LandUseChangeEmissions: b.LandUse, AtmosphericGrowth: b.Atmosphere, OceanSink: b.Ocean,
			LandSink: b.Land, CementCarbonationSink: b.Carbonation, BudgetImbalance: b.Imbalance(), Unit: "GtCO2/yr"})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesGcpMethaneBudgetList pages the global methane budget.
func (h *server) V1DataSourcesGcpMethaneBudgetList(c echo.Context, p janaapi.V1DataSourcesGcpMethaneBudgetListParams) error {
	rows := gcpYearly(h.d.GCP.Methane, func(m *data.GCPMethane) (int, int) { return m.Release, m.Year }, p.BudgetVersion, p.Year)
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(rows))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedGcpMethaneBudgetList{Count: len(rows), Next: w.next, Previous: w.prev, Results: []janaapi.GcpMethaneBudget{}}
	for _, m := range pageOf(rows, w) {
		out.Results = append(out.Results, janaapi.GcpMethaneBudget{Id: m.ID, Year: m.Year, BudgetVersion: data.GCPReleases[m.Release].Version,
			TotalSources: m.Sources(), AnthropogenicSources: m.Anthropogenic(), NaturalSources: m.Natural(), FossilFuels: m.Fossil,
			AgricultureAndWaste: m.AgriWaste, BiomassBurning: m.Biomass, Wetlands: m.Wetlands, OtherNatural: m.OtherNatural,
			TotalSinks: m.Sinks(), AtmosphericGrowth: m.Atmosphere, Unit: "Tg CH4/yr"})
	}
	return writeJSON(c, http.StatusOK, out)
}
