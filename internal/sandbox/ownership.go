package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// Who owns the assets: Climate TRACE company matches and violations, and the GLEIF entities,
// relationships and reporting exceptions the matches point to.

func (h *server) matchBody(m *data.CompanyMatch) janaapi.ClimateTraceCompanyMatch {
	a := &h.d.Assets[m.Asset]
	out := janaapi.ClimateTraceCompanyMatch{Id: m.ID, AssetId: a.ID, AssetName: a.Name, SectorName: h.d.Sectors[a.Sector].Name,
		CountryIso3: a.CountryISO3, Lat: new(a.Lat), Lon: new(a.Lon), OwnerName: m.OwnerName, CompanyId: m.CompanyID,
		RelationshipType: m.Relationship, OwnershipPercentage: m.Share, MatchingMethod: m.Method,
		MatchingConfidence: m.Confidence, Verified: m.Verified, CreatedAt: m.Created}
	if m.Entity >= 0 {
		e := &h.d.Entities[m.Entity]
		out.LegalEntityLei, out.LegalEntityName = new(e.LEI), new(e.Name)
	}
	return out
}

func sortMatches(d *data.Dataset, idx []int, ordering string) {
	field, desc := strings.CutPrefix(ordering, "-")
	slices.SortStableFunc(idx, func(a, b int) int {
		ma, mb := &d.Matches[a], &d.Matches[b]
		var c int
		switch field {
		case "matching_confidence":
			c = cmp.Compare(ma.Confidence, mb.Confidence)
		case "created_at":
			c = ma.Created.Compare(mb.Created)
		}
		if desc {
			c = -c
		}
		return c
	})
}

// V1DataSourcesClimatetraceCompanyMatchesList pages the company matches.
func (h *server) V1DataSourcesClimatetraceCompanyMatchesList(c echo.Context, p janaapi.V1DataSourcesClimatetraceCompanyMatchesListParams) error {
	search := ""
	if p.Search != nil {
		search = strings.ToLower(*p.Search)
	}
	var idx []int
	for i := range h.d.Matches {
		m := &h.d.Matches[i]
		lei, name := "", ""
		if m.Entity >= 0 {
			lei, name = h.d.Entities[m.Entity].LEI, h.d.Entities[m.Entity].Name
		}
		switch {
		case p.LegalEntityLei != nil && !strings.EqualFold(*p.LegalEntityLei, lei),
			p.CompanyId != nil && *p.CompanyId != m.CompanyID,
			p.MatchingMethod != nil && string(*p.MatchingMethod) != m.Method,
			p.RelationshipType != nil && string(*p.RelationshipType) != m.Relationship,
			p.Verified != nil && *p.Verified != m.Verified,
			search != "" && !strings.Contains(strings.ToLower(h.d.Assets[m.Asset].Name), search) &&
				!strings.Contains(strings.ToLower(m.OwnerName), search) && !strings.Contains(strings.ToLower(name), search):
			continue
		}
		idx = append(idx, i)
	}
	if p.Ordering != nil {
		sortMatches(h.d, idx, string(*p.Ordering))
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedClimateTraceCompanyMatchList{Count: len(idx), Next: w.next, Previous: w.prev,
		Results: []janaapi.ClimateTraceCompanyMatch{}}
	for _, i := range pageOf(idx, w) {
		out.Results = append(out.Results, h.matchBody(&h.d.Matches[i]))
	}
	return writeJSON(c, http.StatusOK, out)
}

func (h *server) violationBody(v *data.Violation) janaapi.ClimateTraceViolation {
	a := &h.d.Assets[v.Asset]
	out := janaapi.ClimateTraceViolation{Id: v.ID, AssetId: a.ID, AssetName: a.Name, CountryIso3: a.CountryISO3,
		ViolationType: v.Type, Pollutant: v.Pollutant, Description: v.Description, Agency: v.Agency,
		ViolationDate: openapi_types.Date{Time: v.Date}, Status: v.Status(), PenaltyUsd: v.PenaltyUSD}
	if v.Resolved != nil {
		out.ResolvedDate = &openapi_types.Date{Time: *v.Resolved}
	}
	return out
}

// V1DataSourcesClimatetraceViolationsList pages the violations, by asset and date.
func (h *server) V1DataSourcesClimatetraceViolationsList(c echo.Context, p janaapi.V1DataSourcesClimatetraceViolationsListParams) error {
	var idx []int
	for i := range h.d.Violations {
		if p.AssetId == nil || h.d.Assets[h.d.Violations[i].Asset].ID == *p.AssetId {
			idx = append(idx, i)
		}
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedClimateTraceViolationList{Count: len(idx), Next: w.next, Previous: w.prev,
		Results: []janaapi.ClimateTraceViolation{}}
	for _, i := range pageOf(idx, w) {
		out.Results = append(out.Results, h.violationBody(&h.d.Violations[i]))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceAssetsViolationsList lists one asset's violations, newest first.
func (h *server) V1DataSourcesClimatetraceAssetsViolationsList(c echo.Context, id int) error {
	if _, ok := h.d.AssetByID(id); !ok {
		return notFound()
	}
	out := []janaapi.ClimateTraceViolation{}
	for i := len(h.d.Violations) - 1; i >= 0; i-- {
		if v := &h.d.Violations[i]; v.Asset == id-1 {
			out = append(out, h.violationBody(v))
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

func (h *server) entityBody(i int) janaapi.GleifEntity {
	e := &h.d.Entities[i]
	iso2 := h.d.Countries[e.Country].ISO2
	out := janaapi.GleifEntity{Lei: e.LEI, LegalName: e.Name, LegalForm: e.LegalForm, EntityCategory: e.Category,
		EntityStatus: e.Status, RegistrationStatus: e.Registration, LegalAddressCountry: iso2, LegalAddressCity: e.City,
		HeadquartersCountry: iso2, HeadquartersCity: e.City, Jurisdiction: iso2, ManagingLou: e.LOU, Bic: e.BIC,
		RegisteredAs: e.RegisteredAs, InitialRegistrationDate: openapi_types.Date{Time: e.InitialRegistration},
		LastUpdateDate: e.LastUpdate, NextRenewalDate: openapi_types.Date{Time: e.NextRenewal}}
	if e.Created != nil {
		out.EntityCreationDate = &openapi_types.Date{Time: *e.Created}
	}
	return out
}

// entityOf resolves an LEI path parameter (LEIs are upper case; Django's lookup is exact).
func (h *server) entityOf(lei string) (int, error) {
	i, ok := h.d.EntityByLEI(lei)
	if !ok {
		return 0, notFound()
	}
	return i, nil
}

// V1DataSourcesGleifEntitiesList pages the legal entities.
func (h *server) V1DataSourcesGleifEntitiesList(c echo.Context, p janaapi.V1DataSourcesGleifEntitiesListParams) error {
	search := ""
	if p.Search != nil {
		search = strings.ToLower(*p.Search)
	}
	var idx []int
	for i := range h.d.Entities {
		e := &h.d.Entities[i]
		iso2 := h.d.Countries[e.Country].ISO2
		switch {
		case p.EntityStatus != nil && string(*p.EntityStatus) != e.Status,
			p.RegistrationStatus != nil && string(*p.RegistrationStatus) != e.Registration,
			p.EntityCategory != nil && string(*p.EntityCategory) != e.Category,
			p.LegalAddressCountry != nil && !strings.EqualFold(*p.LegalAddressCountry, iso2),
			p.HeadquartersCountry != nil && !strings.EqualFold(*p.HeadquartersCountry, iso2),
			p.Jurisdiction != nil && !strings.EqualFold(*p.Jurisdiction, iso2),
			search != "" && !strings.Contains(strings.ToLower(e.Name), search) && !strings.EqualFold(search, e.LEI) &&
				!(e.BIC != nil && strings.EqualFold(search, *e.BIC)) && !(e.RegisteredAs != nil && strings.EqualFold(search, *e.RegisteredAs)):
			continue
		}
		idx = append(idx, i)
	}
	if p.Ordering != nil {
		orderBy(idx, string(*p.Ordering), func(field string, a, b int) int {
			ea, eb := &h.d.Entities[a], &h.d.Entities[b]
			switch field {
			case "legal_name":
				return strings.Compare(ea.Name, eb.Name)
			case "last_update_date":
				return ea.LastUpdate.Compare(eb.LastUpdate)
			case "entity_creation_date":
				return ea.Created.Compare(*eb.Created)
			}
			return 0
		})
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedGleifEntityList{Count: len(idx), Next: w.next, Previous: w.prev, Results: []janaapi.GleifEntity{}}
	for _, i := range pageOf(idx, w) {
		out.Results = append(out.Results, h.entityBody(i))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesGleifEntitiesRetrieve returns one legal entity.
func (h *server) V1DataSourcesGleifEntitiesRetrieve(c echo.Context, lei string) error {
	i, err := h.entityOf(lei)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, h.entityBody(i))
}

// V1DataSourcesGleifEntitiesParentsRetrieve returns an entity's direct and ultimate parents,
// or the reporting exceptions that say why there are none.
func (h *server) V1DataSourcesGleifEntitiesParentsRetrieve(c echo.Context, lei string) error {
	i, err := h.entityOf(lei)
	if err != nil {
		return err
	}
	e := &h.d.Entities[i]
	out := janaapi.GleifEntityParents{Lei: e.LEI}
	if e.DirectParent >= 0 {
		out.DirectParent = new(h.entityBody(e.DirectParent))
		out.UltimateParent = new(h.entityBody(e.UltimateParent))
	}
	if e.DirectReason != "" {
		out.DirectParentException, out.UltimateParentException = new(e.DirectReason), new(e.UltimateReason)
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesGleifEntitiesChildrenList lists the entities an entity directly consolidates.
func (h *server) V1DataSourcesGleifEntitiesChildrenList(c echo.Context, lei string) error {
	i, err := h.entityOf(lei)
	if err != nil {
		return err
	}
	out := []janaapi.GleifEntity{}
	for _, ch := range h.d.Children(i) {
		out = append(out, h.entityBody(ch))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesGleifEntitiesAssetMatchesList lists an entity's asset matches, most confident first.
func (h *server) V1DataSourcesGleifEntitiesAssetMatchesList(c echo.Context, lei string) error {
	i, err := h.entityOf(lei)
	if err != nil {
		return err
	}
	var idx []int
	for k := range h.d.Matches {
		if h.d.Matches[k].Entity == i {
			idx = append(idx, k)
		}
	}
	sortMatches(h.d, idx, "-matching_confidence")
	out := []janaapi.ClimateTraceCompanyMatch{}
	for _, k := range idx {
		out = append(out, h.matchBody(&h.d.Matches[k]))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesGleifRelationshipsList pages the relationship records.
func (h *server) V1DataSourcesGleifRelationshipsList(c echo.Context, p janaapi.V1DataSourcesGleifRelationshipsListParams) error {
	var idx []int
	for i := range h.d.Relationships {
		r := &h.d.Relationships[i]
		switch {
		case p.StartLei != nil && !strings.EqualFold(*p.StartLei, h.d.Entities[r.Start].LEI),
			p.EndLei != nil && !strings.EqualFold(*p.EndLei, h.d.Entities[r.End].LEI),
			p.RelationshipType != nil && string(*p.RelationshipType) != r.Type,
			p.RelationshipStatus != nil && string(*p.RelationshipStatus) != r.Status:
			continue
		}
		idx = append(idx, i)
	}
	if p.Ordering != nil {
		orderBy(idx, string(*p.Ordering), func(field string, a, b int) int {
			ra, rb := &h.d.Relationships[a], &h.d.Relationships[b]
			switch field {
			case "start_lei":
				return strings.Compare(h.d.Entities[ra.Start].LEI, h.d.Entities[rb.Start].LEI)
			case "end_lei":
				return strings.Compare(h.d.Entities[ra.End].LEI, h.d.Entities[rb.End].LEI)
			case "ingested_at":
				return ra.Ingested.Compare(rb.Ingested)
			}
			return 0
		})
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedGleifRelationshipList{Count: len(idx), Next: w.next, Previous: w.prev,
		Results: []janaapi.GleifRelationship{}}
	for _, i := range pageOf(idx, w) {
		r := &h.d.Relationships[i]
		rel := janaapi.GleifRelationship{Id: r.ID, StartLei: h.d.Entities[r.Start].LEI, StartLegalName: h.d.Entities[r.Start].Name,
			EndLei: h.d.Entities[r.End].LEI, EndLegalName: h.d.Entities[r.End].Name, RelationshipType: r.Type,
			RelationshipStatus: r.Status, RegistrationStatus: r.Registration, IngestedAt: r.Ingested}
		if r.StartDate != nil {
			rel.RelationshipStartDate = &openapi_types.Date{Time: *r.StartDate}
		}
		out.Results = append(out.Results, rel)
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesGleifExceptionsList pages the reporting exceptions.
func (h *server) V1DataSourcesGleifExceptionsList(c echo.Context, p janaapi.V1DataSourcesGleifExceptionsListParams) error {
	var idx []int
	for i := range h.d.Exceptions {
		x := &h.d.Exceptions[i]
		switch {
		case p.Lei != nil && !strings.EqualFold(*p.Lei, h.d.Entities[x.Entity].LEI),
			p.ExceptionCategory != nil && string(*p.ExceptionCategory) != x.Category,
			p.ExceptionReason != nil && string(*p.ExceptionReason) != x.Reason:
			continue
		}
		idx = append(idx, i)
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedGleifReportingExceptionList{Count: len(idx), Next: w.next, Previous: w.prev,
		Results: []janaapi.GleifReportingException{}}
	for _, i := range pageOf(idx, w) {
		x := &h.d.Exceptions[i]
		out.Results = append(out.Results, janaapi.GleifReportingException{Id: x.ID, Lei: h.d.Entities[x.Entity].LEI,
			LegalName: h.d.Entities[x.Entity].Name, ExceptionCategory: x.Category, ExceptionReason: x.Reason,
			IngestedAt: x.Ingested})
	}
	return writeJSON(c, http.StatusOK, out)
}
