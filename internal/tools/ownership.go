package tools

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// maxOwnerPages bounds the company-match pages one call reads (1000 rows each).
const maxOwnerPages = 3

type ownersIn struct {
	AssetID int `json:"asset_id" jsonschema:"Climate TRACE asset id: asset_id in get_emissions results, id of facilities in find_nearby."`
}

type facilityOwner struct {
	Relationship      string   `json:"relationship"`
	Name              string   `json:"name"`
	LEI               string   `json:"lei,omitempty"`
	SharePercent      *float64 `json:"share_percent"`
	Method            string   `json:"matching_method"`
	Confidence        float64  `json:"confidence"`
	Verified          bool     `json:"verified"`
	DirectParent      string   `json:"direct_parent,omitempty"`
	DirectParentLEI   string   `json:"direct_parent_lei,omitempty"`
	UltimateParent    string   `json:"ultimate_parent,omitempty"`
	UltimateParentLEI string   `json:"ultimate_parent_lei,omitempty"`
	NoParentReason    string   `json:"no_parent_reason,omitempty"`
}

type assetInfo struct {
	ID      int     `json:"id"`
	Name    string  `json:"name"`
	Sector  string  `json:"sector"`
	Country string  `json:"country"`
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
}

func facilityOwners(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "facility_owners",
		Title: "Who owns an emitting facility (Climate TRACE, GLEIF)",
		Description: "The owners of one Climate TRACE facility, via Jana: each owner's legal name and LEI from GLEIF, its share, how Climate TRACE's " +
			"owner was matched to it (and how confidently), and its direct and ultimate parent companies. Use it for \"who owns this power plant?\" " +
			"or \"which group is behind this steelworks?\"; get the asset_id from find_nearby or get_emissions.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[facilityOwner]("owners", "Owners, then operators and parents; the largest share first."),
			toolkit.Field[assetInfo]("asset", "The facility."),
		),
		InputSchema: toolkit.Schema[ownersIn](func(p map[string]*jsonschema.Schema) {
			p["asset_id"].Minimum = new(1.0)
		}),
	}
	return toolkit.New(env, def, func(ctx context.Context, in ownersIn) (*toolkit.Page, error) {
		return ownersCall(ctx, env, in)
	})
}

var exceptionReasons = map[string]string{
	"NATURAL_PERSONS":   "owned by natural persons",
	"NO_KNOWN_PERSON":   "no person controls it (widely held)",
	"NON_CONSOLIDATING": "its owner does not consolidate it (for example a state)",
	"NO_LEI":            "its parent has no LEI",
	"NON_PUBLIC":        "its parent is not disclosed",
}

func ownersCall(ctx context.Context, env *toolkit.Env, in ownersIn) (*toolkit.Page, error) {
	if in.AssetID < 1 {
		return nil, toolkit.Invalid("asset_id", "is required: a Climate TRACE asset id")
	}
	resp, err := env.Jana.API().V1DataSourcesClimatetraceAssetsRetrieve(ctx, in.AssetID)
	asset, err := jana.Decode[janaapi.ClimateTraceAssetDetail]("v1_data_sources_climatetrace_assets_retrieve", resp, err)
	if err != nil {
		return nil, err
	}
	// Jana filters company matches by name, not by asset: search the asset's name and keep its rows.
	var matches []janaapi.ClimateTraceCompanyMatch
	offTopic := 0
	search := strings.ToLower(asset.Name)
	size := 1000
	for page := 1; page <= maxOwnerPages; page++ {
		resp, err := env.Jana.API().V1DataSourcesClimatetraceCompanyMatchesList(ctx, &janaapi.V1DataSourcesClimatetraceCompanyMatchesListParams{
			Search: &asset.Name, Page: &page, PageSize: &size})
		list, err := jana.Decode[janaapi.PaginatedClimateTraceCompanyMatchList]("v1_data_sources_climatetrace_company_matches_list", resp, err)
		if err != nil {
			return nil, err
		}
		for _, m := range list.Results {
			if !strings.Contains(strings.ToLower(m.AssetName+" "+m.OwnerName+" "+toolkit.Value(m.LegalEntityName)), search) {
				offTopic++
			}
			if m.AssetId == asset.Id {
				matches = append(matches, m)
			}
		}
		if list.Next == nil {
			break
		}
	}
	rank := map[string]int{"owner": 0, "operator": 1, "parent": 2}
	slices.SortStableFunc(matches, func(a, b janaapi.ClimateTraceCompanyMatch) int {
		if c := cmp.Compare(rank[a.RelationshipType], rank[b.RelationshipType]); c != 0 {
			return c
		}
		return cmp.Compare(toolkit.Value(b.OwnershipPercentage), toolkit.Value(a.OwnershipPercentage))
	})

	// The parents of every owner and operator, in parallel.
	var leis []string
	for _, m := range matches {
		if lei := toolkit.Value(m.LegalEntityLei); lei != "" && m.RelationshipType != "parent" && !slices.Contains(leis, lei) {
			leis = append(leis, lei)
		}
	}
	parents := make([]*janaapi.GleifEntityParents, len(leis))
	errs := make([]error, len(leis))
	calls := make([]func(), len(leis))
	for i, lei := range leis {
		calls[i] = func() {
			resp, err := env.Jana.API().V1DataSourcesGleifEntitiesParentsRetrieve(ctx, lei)
			parents[i], errs[i] = jana.Decode[janaapi.GleifEntityParents]("v1_data_sources_gleif_entities_parents_retrieve", resp, err)
		}
	}
	toolkit.Parallel(calls...)

	t := &toolkit.Table{Name: "owners", Columns: []string{"relationship", "name", "lei", "share_percent", "matching_method", "confidence",
		"verified", "direct_parent", "ultimate_parent"}, Total: -1}
	p := &toolkit.Page{Tables: []*toolkit.Table{t}, Sources: []toolkit.Source{toolkit.ClimateTRACE, toolkit.GLEIF}}
	var owners []string
	for _, m := range matches {
		o := facilityOwner{Relationship: m.RelationshipType, Name: cmp.Or(toolkit.Value(m.LegalEntityName), m.OwnerName), LEI: toolkit.Value(m.LegalEntityLei),
			SharePercent: m.OwnershipPercentage, Method: m.MatchingMethod, Confidence: m.MatchingConfidence, Verified: m.Verified}
		if i := slices.Index(leis, o.LEI); i >= 0 {
			switch par := parents[i]; {
			case errs[i] != nil:
				p.Notes = append(p.Notes, fmt.Sprintf("Parents of %s unavailable: %s", o.Name, toolkit.ErrorText(errs[i])))
			case par.DirectParent != nil:
				o.DirectParent, o.DirectParentLEI = par.DirectParent.LegalName, par.DirectParent.Lei
				if par.UltimateParent != nil {
					o.UltimateParent, o.UltimateParentLEI = par.UltimateParent.LegalName, par.UltimateParent.Lei
				}
			case par.DirectParentException != nil:
				o.NoParentReason = cmp.Or(exceptionReasons[*par.DirectParentException], *par.DirectParentException)
			}
		}
		share := ""
		if o.SharePercent != nil {
			share = toolkit.Num(*o.SharePercent)
		}
		parent := o.UltimateParent
		if parent == "" && o.NoParentReason != "" {
			parent = "none reported: " + o.NoParentReason
		}
		t.Add(o, o.Relationship, o.Name, o.LEI, share, o.Method, toolkit.Num(o.Confidence), strconv.FormatBool(o.Verified), o.DirectParent, parent)
		if o.Relationship == "owner" {
			owners = append(owners, o.Name)
		}
		if o.LEI == "" {
			p.Notes = append(p.Notes, fmt.Sprintf("%q, as Climate TRACE names it, has no LEI in GLEIF.", m.OwnerName))
		}
	}
	p.Fields = map[string]any{"asset": assetInfo{ID: asset.Id, Name: asset.Name, Sector: asset.SectorName,
		Country: asset.CountryCode, Lon: asset.Lon, Lat: asset.Lat}}
	p.Title = fmt.Sprintf("Owners of Climate TRACE asset %d, %s (%s, %s): %s.", asset.Id, asset.Name, asset.SectorName, asset.CountryCode,
		cmp.Or(strings.Join(owners, "; "), "none recorded"))
	if offTopic > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("Warning: Jana did not apply the search filter: %d company matches do not mention %q. "+
			"Those beyond the first %d pages were not read, so owners may be missing; report this to Jana's operators.", offTopic, asset.Name, maxOwnerPages))
		p.Fields["filter_not_applied"] = []string{"search"}
	}
	if len(matches) == 0 {
		p.Notes = append(p.Notes, "Climate TRACE records no owner for this asset (farms, fires, road networks and homes have none).")
	}
	return p, nil
}
