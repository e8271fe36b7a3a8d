package data

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Who owns the Climate TRACE assets: GLEIF legal entities (companies with their consolidation
// parents), GLEIF relationship and reporting-exception records, and the company matches that link
// each owned asset to its owner, its joint-venture partners and its owner's ultimate parent. The
// companies are fictional; every owned asset of the dataset is owned by one of them.

// Entity is a GLEIF legal entity.
type Entity struct {
	LEI, Name, LegalForm           string
	Category, Status, Registration string
	Country                        int // index into Dataset.Countries: legal address and headquarters
	City                           string
	LOU                            string // LEI of the managing Local Operating Unit
	BIC, RegisteredAs              *string
	Created                        *time.Time
	InitialRegistration            time.Time
	LastUpdate                     time.Time
	NextRenewal                    time.Time
	// DirectParent and UltimateParent index Dataset.Entities, -1 when none is reported (the
	// reporting exceptions then say why).
	DirectParent, UltimateParent int
	DirectReason, UltimateReason string
}

// CompanyMatch links a Climate TRACE asset's owner to a legal entity.
type CompanyMatch struct {
	ID           int
	Asset        int // index into Dataset.Assets
	Entity       int // index into Dataset.Entities, -1 when the owner has no LEI
	OwnerName    string
	CompanyID    string
	Relationship string // owner, operator or parent
	Share        *float64
	Method       string
	Confidence   float64
	Verified     bool
	Created      time.Time
}

// Relationship is a GLEIF Level 2 record: Start is consolidated by (or fund-managed by, or a
// feeder to) End.
type Relationship struct {
	ID           int
	Start, End   int // indices into Dataset.Entities
	Type, Status string
	StartDate    *time.Time
	Registration string
	Ingested     time.Time
}

// ReportingException says why an entity reports no parent.
type ReportingException struct {
	ID       int
	Entity   int
	Category string
	Reason   string
	Ingested time.Time
}

// gleifIngested is when the sandbox's GLEIF snapshot was loaded.
var gleifIngested = time.Date(2026, 9, 28, 2, 15, 0, 0, time.UTC)

// businessLine groups the Climate TRACE sectors a company operates in, with the word its
// companies' names carry and the share of such assets that have a corporate owner.
type businessLine struct {
	name, word string
	sectors    []string
	owned      float64
}

var businessLines = []businessLine{
	{"power", "Power", []string{"electricity-generation"}, 0.9},
	{"oilgas", "Petroleum", []string{"oil-and-gas-production", "oil-and-gas-refining", "oil-and-gas-transport", "petrochemical-steam-cracking"}, 0.92},
	{"coal", "Coal", []string{"coal-mining"}, 0.9},
	{"steel", "Steel", []string{"iron-and-steel"}, 0.9},
	{"cement", "Cement", []string{"cement"}, 0.9},
	{"metals", "Metals", []string{"aluminum", "copper-mining"}, 0.9},
	{"chemicals", "Chemicals", []string{"chemicals"}, 0.85},
	{"paper", "Paper", []string{"pulp-and-paper"}, 0.85},
	{"aviation", "Airports", []string{"domestic-aviation", "international-aviation"}, 0.8},
	{"shipping", "Ports", []string{"domestic-shipping", "international-shipping"}, 0.75},
	{"waste", "Environmental Services", []string{"solid-waste-disposal", "domestic-wastewater-treatment-and-discharge"}, 0.55},
	{"agri", "Cattle Company", []string{"enteric-fermentation-cattle-feedlot", "manure-management-cattle-feedlot"}, 0.6},
}

func lineOf(sector string) int {
	return slices.IndexFunc(businessLines, func(b businessLine) bool { return slices.Contains(b.sectors, sector) })
}

// multinational is a group operating in several countries through national subsidiaries.
type multinational struct {
	stem, hq  string
	lines     []string
	countries []string
	family    bool // owned by natural persons (else widely held)
}

var multinationals = []multinational{
	{"Nordhaven Energy", "DEU", []string{"power"}, []string{"DEU", "NLD", "POL", "GBR", "ESP", "ITA", "TUR"}, false},
	{"Meridian Power", "GBR", []string{"power"}, []string{"GBR", "USA", "ZAF", "IND", "AUS", "CHL"}, false},
	{"Pacifica Petroleum", "USA", []string{"oilgas", "coal"}, []string{"USA", "CAN", "NGA", "IRQ", "KAZ", "AUS"}, false},
	{"Atlas Refining", "NLD", []string{"oilgas"}, []string{"NLD", "BEL", "DEU", "SAU", "ARE", "NOR", "GBR"}, false},
	{"Aurelia Steel", "FRA", []string{"steel"}, []string{"FRA", "BEL", "DEU", "POL", "ESP", "BRA", "IND"}, true},
	{"Greystone Cement", "CHE", []string{"cement"}, []string{"CHE", "DEU", "FRA", "IND", "MEX", "EGY", "USA"}, false},
	{"Cobalt Ridge Resources", "AUS", []string{"metals", "coal"}, []string{"AUS", "CHL", "ZMB", "COD", "ZAF"}, false},
	{"Helios Chemicals", "DEU", []string{"chemicals"}, []string{"DEU", "USA", "CHN", "BRA", "IND", "BEL"}, false},
	{"Kaiyuan Power", "CHN", []string{"power", "coal"}, []string{"CHN", "PAK", "IDN", "VNM"}, false},
	{"Boreal Paper", "FIN", []string{"paper"}, []string{"FIN", "SWE", "CAN", "BRA"}, true},
	{"Orion Aluminium", "NOR", []string{"metals"}, []string{"NOR", "CAN", "AUS", "ARE", "ISL"}, false},
	{"Tradewind Ports", "ARE", []string{"shipping"}, []string{"ARE", "NLD", "IND", "BRA", "SGP"}, false},
	{"Skyline Airports", "ESP", []string{"aviation"}, []string{"ESP", "GBR", "MEX", "BRA"}, false},
	{"Prairie Beef", "USA", []string{"agri"}, []string{"USA", "BRA", "ARG", "AUS"}, true},
}

// legalForms are the usual legal forms of an operating company and of a parent, per country.
var legalForms = map[string][2]string{
	"USA": {"LLC", "Inc."}, "CAN": {"Inc.", "Corporation"}, "GBR": {"Limited", "plc"}, "IRL": {"Limited", "plc"},
	"DEU": {"GmbH", "SE"}, "AUT": {"GmbH", "AG"}, "CHE": {"AG", "AG"}, "NLD": {"B.V.", "N.V."}, "BEL": {"BV", "NV"},
	"FRA": {"SAS", "S.A."}, "ESP": {"S.L.", "S.A."}, "ITA": {"S.r.l.", "S.p.A."}, "POL": {"sp. z o.o.", "S.A."},
	"SWE": {"AB", "AB (publ)"}, "NOR": {"AS", "ASA"}, "FIN": {"Oy", "Oyj"}, "DNK": {"ApS", "A/S"},
	"IND": {"Private Limited", "Limited"}, "CHN": {"Co., Ltd.", "Group Co., Ltd."}, "JPN": {"K.K.", "Holdings, Inc."},
	"KOR": {"Co., Ltd.", "Corporation"}, "BRA": {"Ltda.", "S.A."}, "MEX": {"S. de R.L. de C.V.", "S.A.B. de C.V."},
	"ARG": {"S.R.L.", "S.A."}, "CHL": {"SpA", "S.A."}, "AUS": {"Pty Ltd", "Limited"}, "ZAF": {"(Pty) Ltd", "Limited"},
	"RUS": {"LLC", "PJSC"}, "SAU": {"Company", "Company"}, "ARE": {"LLC", "PJSC"}, "TUR": {"A.Ş.", "Holding A.Ş."},
	"LUX": {"S.à r.l.", "S.A."}, "SGP": {"Pte. Ltd.", "Limited"}, "ISL": {"ehf.", "hf."},
}

func formsOf(iso3 string) (opco, parent string) {
	if f, ok := legalForms[iso3]; ok {
		return f[0], f[1]
	}
	return "Ltd", "Limited"
}

// LOUs that issue the sandbox's LEIs (their own LEIs are made with the same check digits).
var lous = map[string]string{"DEU": "5299", "GBR": "2138", "FRA": "9695", "NLD": "7245", "ITA": "8156", "USA": "5493"}

func louPrefix(iso3 string) string {
	if p, ok := lous[iso3]; ok {
		return p
	}
	return "5493"
}

const leiAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// makeLEI builds an ISO 17442 LEI: a 4-character LOU prefix, "00", 12 characters derived from
// key, and two ISO 7064 MOD 97-10 check digits.
func makeLEI(prefix, key string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	x := splitmix(h.Sum64())
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString("00")
	for i := 0; i < 12; i++ {
		b.WriteByte(leiAlphabet[x%36])
		x = splitmix(x + uint64(i))
	}
	base := b.String()
	return base + fmt.Sprintf("%02d", 98-mod97(base+"00"))
}

// mod97 is the ISO 7064 remainder of an alphanumeric string (A=10 .. Z=35).
func mod97(s string) int {
	r := 0
	for _, c := range s {
		v := strings.IndexRune(leiAlphabet, c)
		if v >= 10 {
			r = (r*100 + v) % 97
		} else {
			r = (r*10 + v) % 97
		}
	}
	return r
}

// ValidLEI reports whether s is 20 characters of 0-9/A-Z with correct check digits.
func ValidLEI(s string) bool {
	if len(s) != 20 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune(leiAlphabet, c) {
			return false
		}
	}
	return mod97(s) == 1
}

var stemStarts = []string{"Ar", "Bel", "Cal", "Dor", "El", "Fen", "Gar", "Hal", "Ist", "Jor", "Kel", "Lum", "Mar", "Nor",
	"Or", "Pel", "Quen", "Ros", "Sal", "Tor", "Ul", "Ven", "Wes", "Yar", "Zen", "Bra", "Cor", "Dal"}
var stemEnds = []string{"dara", "ion", "exa", "ova", "ent", "ara", "is", "onde", "um", "ia", "avia", "orra", "elle", "ando"}

// cityOf is a headquarters city for a country: its first city of the place table, else a region's town.
func (d *Dataset) cityOf(country int) string {
	name := ""
	for _, p := range d.Places {
		if p.Country != country {
			continue
		}
		if p.Kind == KindCity {
			return p.Name
		}
		if name == "" {
			name = p.Name
			if i, j := strings.Index(name, "("), strings.Index(name, ")"); i >= 0 && j > i {
				name = name[i+1 : j]
			}
		}
	}
	if name == "" {
		return d.Countries[country].Name
	}
	return name
}

type ownershipBuilder struct {
	d       *Dataset
	r       *rand.Rand
	names   map[string]bool
	cands   map[string][]int // "ISO3/line" -> entities that own such assets there
	ultim   map[int]int      // owner entity -> its ultimate parent (or itself)
	company map[int]string
}

func (d *Dataset) buildOwnership() {
	b := &ownershipBuilder{d: d, r: newRand(d.Seed, "ownership", 0), names: map[string]bool{},
		cands: map[string][]int{}, ultim: map[int]int{}, company: map[int]string{}}
	// Which (country, line) pairs have assets.
	present := map[string]int{}
	for i := range d.Assets {
		a := &d.Assets[i]
		if l := lineOf(d.Sectors[a.Sector].Name); l >= 0 {
			present[a.CountryISO3+"/"+businessLines[l].name]++
		}
	}
	for _, m := range multinationals {
		b.addMultinational(m, present)
	}
	b.addFunds()
	keys := slices.Sorted(maps.Keys(present))
	for _, k := range keys {
		iso3, line, _ := strings.Cut(k, "/")
		n := 1
		switch {
		case present[k] > 40:
			n = 3
		case present[k] > 12:
			n = 2
		}
		for i := 0; i < n; i++ {
			b.addNational(iso3, line)
		}
	}
	b.matchAssets()
	b.records()
}

func (b *ownershipBuilder) country(iso3 string) int { return b.d.countryByISO3[iso3] }

// add appends an entity with registration dates derived from its index.
func (b *ownershipBuilder) add(e Entity, key string, founded int) int {
	d := b.d
	r := b.r
	iso3 := d.Countries[e.Country].ISO3
	e.LEI = makeLEI(louPrefix(iso3), fmt.Sprintf("%d:%s", d.Seed, key))
	e.LOU = makeLEI(louPrefix(iso3), "lou:"+louPrefix(iso3))
	e.City = d.cityOf(e.Country)
	if e.Category == "" {
		e.Category = "GENERAL"
	}
	if e.Status == "" {
		e.Status = "ACTIVE"
	}
	if e.Registration == "" {
		e.Registration = "ISSUED"
		if r.Float64() < 0.07 {
			e.Registration = "LAPSED"
		}
	}
	created := time.Date(founded+r.IntN(8), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	e.Created = &created
	e.InitialRegistration = time.Date(2012+r.IntN(9), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	e.LastUpdate = time.Date(2025, time.Month(1+r.IntN(9)), 1+r.IntN(28), r.IntN(24), r.IntN(60), 0, 0, time.UTC)
	e.NextRenewal = e.LastUpdate.AddDate(1, 0, 0).Truncate(24 * time.Hour)
	if e.Registration == "LAPSED" {
		e.LastUpdate = time.Date(2024, time.Month(1+r.IntN(6)), 1+r.IntN(28), 9, 0, 0, 0, time.UTC)
		e.NextRenewal = e.LastUpdate.AddDate(1, 0, 0).Truncate(24 * time.Hour)
	}
	if e.Registration == "RETIRED" {
		e.NextRenewal = e.LastUpdate.Truncate(24 * time.Hour)
	}
	e.DirectParent, e.UltimateParent = -1, -1
	idx := len(d.Entities)
	d.Entities = append(d.Entities, e)
	return idx
}

func (b *ownershipBuilder) unique(name string) string {
	out := name
	for i := 2; b.names[out]; i++ {
		out = fmt.Sprintf("%s %d", name, i)
	}
	b.names[out] = true
	return out
}

func (b *ownershipBuilder) parentOf(child, direct, ultimate int) {
	e := &b.d.Entities[child]
	e.DirectParent, e.UltimateParent = direct, ultimate
}

func (b *ownershipBuilder) noParent(idx int, reason string) {
	e := &b.d.Entities[idx]
	e.DirectReason, e.UltimateReason = reason, reason
}

func (b *ownershipBuilder) addMultinational(m multinational, present map[string]int) {
	d := b.d
	hq := b.country(m.hq)
	_, pform := formsOf(m.hq)
	top := b.add(Entity{Name: b.unique(m.stem + " " + pform), LegalForm: pform, Country: hq,
		BIC:          new(strings.ToUpper(strings.ReplaceAll(m.stem, " ", "")[:4]) + d.Countries[hq].ISO2 + "2X"),
		RegisteredAs: new(fmt.Sprintf("HR%06d", 100000+b.r.IntN(900000)))}, "top:"+m.stem, 1950)
	reason := "NO_KNOWN_PERSON"
	if m.family {
		reason = "NATURAL_PERSONS"
	}
	b.noParent(top, reason)
	var countries []string
	for _, c := range m.countries {
		for _, l := range m.lines {
			if present[c+"/"+l] > 0 && !slices.Contains(countries, c) {
				countries = append(countries, c)
			}
		}
	}
	holding := top
	if len(countries) >= 4 {
		nl := b.country("NLD")
		holding = b.add(Entity{Name: b.unique(m.stem + " International Holding B.V."), LegalForm: "B.V.", Country: nl},
			"hold:"+m.stem, 1995)
		b.parentOf(holding, top, top)
	}
	for _, iso3 := range countries {
		ci := b.country(iso3)
		form, _ := formsOf(iso3)
		sub := b.add(Entity{Name: b.unique(m.stem + " " + d.Countries[ci].Name + " " + form), LegalForm: form, Country: ci},
			"sub:"+m.stem+":"+iso3, 1985)
		if iso3 == m.hq {
			b.parentOf(sub, top, top)
		} else {
			b.parentOf(sub, holding, top)
		}
		b.ultim[sub] = top
		for _, l := range m.lines {
			if present[iso3+"/"+l] > 0 {
				k := iso3 + "/" + l
				b.cands[k] = append(b.cands[k], sub)
			}
		}
	}
	// A subsidiary merged away years ago: its LEI is retired and the relationship inactive.
	if len(countries) >= 5 {
		ci := b.country(countries[len(countries)-1])
		form, _ := formsOf(d.Countries[ci].ISO3)
		old := b.add(Entity{Name: b.unique(m.stem + " " + d.Countries[ci].Name + " Services " + form), LegalForm: form, Country: ci,
			Status: "INACTIVE", Registration: "RETIRED"}, "old:"+m.stem, 1980)
		b.parentOf(old, holding, top)
	}
}

// addFunds adds an investment manager with two funds and a feeder; the funds take minority
// stakes in joint ventures.
func (b *ownershipBuilder) addFunds() {
	gb, lu := b.country("GBR"), b.country("LUX")
	mgr := b.add(Entity{Name: b.unique("Harbourline Capital Management Limited"), LegalForm: "Limited", Country: gb}, "fund:mgr", 1998)
	b.noParent(mgr, "NATURAL_PERSONS")
	for i, name := range []string{"Harbourline Infrastructure Fund I SCSp", "Harbourline Energy Transition Fund SCSp"} {
		f := b.add(Entity{Name: b.unique(name), LegalForm: "SCSp", Country: lu, Category: "FUND"}, fmt.Sprintf("fund:%d", i), 2012)
		b.noParent(f, "NON_CONSOLIDATING")
		b.d.fundManaged = append(b.d.fundManaged, [2]int{f, mgr})
		b.cands["*fund"] = append(b.cands["*fund"], f)
	}
	feeder := b.add(Entity{Name: b.unique("Harbourline Infrastructure Feeder Fund LP"), LegalForm: "LP", Country: gb, Category: "FUND"}, "fund:feeder", 2014)
	b.noParent(feeder, "NON_CONSOLIDATING")
	b.d.fundManaged = append(b.d.fundManaged, [2]int{feeder, mgr})
	b.d.feeders = append(b.d.feeders, [2]int{feeder, b.cands["*fund"][0]})
}

var stemMiddles = []string{"a", "e", "i", "o", "ar", "en", "il", "or"}

// stem makes up a company name: two syllables while they last, then three.
func (b *ownershipBuilder) stem() string {
	for try := 0; ; try++ {
		s := stemStarts[b.r.IntN(len(stemStarts))]
		if try >= 20 {
			s += stemMiddles[b.r.IntN(len(stemMiddles))]
		}
		s += stemEnds[b.r.IntN(len(stemEnds))]
		if !b.names[s] {
			b.names[s] = true
			return s
		}
		if try > 10000 {
			panic("ownership: no company name left") // 2,200 three-syllable names exist
		}
	}
}

// addNational adds a national company of one line: standalone, under a national holding, or
// state-owned.
func (b *ownershipBuilder) addNational(iso3, line string) {
	ci := b.country(iso3)
	form, pform := formsOf(iso3)
	word := businessLines[slices.IndexFunc(businessLines, func(l businessLine) bool { return l.name == line })].word
	stem := b.stem()
	opco := b.add(Entity{Name: b.unique(stem + " " + word + " " + form), LegalForm: form, Country: ci}, "nat:"+iso3+line+stem, 1960)
	switch u := b.r.Float64(); {
	case u < 0.5:
		hold := b.add(Entity{Name: b.unique(stem + " Group " + pform), LegalForm: pform, Country: ci}, "natgrp:"+iso3+line+stem, 1950)
		reason := "NATURAL_PERSONS"
		if b.r.Float64() < 0.5 {
			reason = "NO_KNOWN_PERSON"
		}
		b.noParent(hold, reason)
		b.parentOf(opco, hold, hold)
		b.ultim[opco] = hold
	case u < 0.75:
		b.noParent(opco, "NON_CONSOLIDATING") // state-owned
		b.ultim[opco] = opco
	default:
		b.noParent(opco, "NO_KNOWN_PERSON")
		b.ultim[opco] = opco
	}
	k := iso3 + "/" + line
	b.cands[k] = append(b.cands[k], opco)
}

// ownerLabel is how Climate TRACE names an owner, given how the match was made.
func ownerLabel(e *Entity, method string) string {
	switch method {
	case "fuzzy_name":
		return strings.ToUpper(strings.TrimSpace(strings.TrimSuffix(e.Name, e.LegalForm)))
	case "manual":
		return strings.TrimSpace(strings.TrimSuffix(e.Name, e.LegalForm))
	}
	return e.Name
}

var matchEpoch = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

func (b *ownershipBuilder) match(asset, entity int, rel string, share *float64, method string, r *rand.Rand) {
	d := b.d
	m := CompanyMatch{ID: len(d.Matches) + 1, Asset: asset, Entity: entity, Relationship: rel, Share: share, Method: method,
		Created: matchEpoch.Add(time.Duration(r.IntN(240*24*60)) * time.Minute)}
	switch method {
	case "exact_name":
		m.Confidence, m.Verified = 1, r.Float64() < 0.6
	case "registry_id":
		m.Confidence, m.Verified = 0.99, true
	case "manual":
		m.Confidence, m.Verified = 0.95, true
	case "fuzzy_name":
		m.Confidence, m.Verified = float64(72+r.IntN(23))/100, r.Float64() < 0.3
	}
	if entity >= 0 {
		e := &d.Entities[entity]
		m.OwnerName = ownerLabel(e, method)
		if b.company[entity] == "" {
			b.company[entity] = fmt.Sprintf("ct-own-%05d", 10000+entity*7)
		}
		m.CompanyID = b.company[entity]
	}
	d.Matches = append(d.Matches, m)
}

func (b *ownershipBuilder) matchAssets() {
	d := b.d
	methods := []string{"exact_name", "exact_name", "exact_name", "exact_name", "fuzzy_name", "fuzzy_name", "fuzzy_name",
		"registry_id", "manual", "exact_name", "fuzzy_name"}
	for ai := range d.Assets {
		a := &d.Assets[ai]
		l := lineOf(d.Sectors[a.Sector].Name)
		if l < 0 {
			continue
		}
		r := newRand(d.Seed, "asset-owner", ai)
		line := businessLines[l]
		if r.Float64() >= line.owned {
			continue
		}
		cands := b.cands[a.CountryISO3+"/"+line.name]
		if len(cands) == 0 || r.Float64() < 0.06 {
			// An owner without an LEI: a municipality, port authority or cooperative.
			place := d.Places[a.Place].Name
			label := map[string]string{"waste": "City of " + place, "shipping": place + " Port Authority",
				"aviation": place + " Airport Authority", "agri": place + " Cattle Cooperative"}[line.name]
			if label == "" {
				label = place + " " + line.word + " Cooperative"
			}
			d.Matches = append(d.Matches, CompanyMatch{ID: len(d.Matches) + 1, Asset: ai, Entity: -1, OwnerName: label,
				CompanyID: fmt.Sprintf("ct-own-%05d", 90000+ai%10000), Relationship: "owner", Share: new(100.0),
				Method: "unmatched", Created: matchEpoch.Add(time.Duration(r.IntN(240*24*60)) * time.Minute)})
			continue
		}
		owner := cands[r.IntN(len(cands))]
		method := methods[r.IntN(len(methods))]
		jv := line.name == "power" || line.name == "oilgas" || line.name == "steel"
		var partner = -1
		if jv && r.Float64() < 0.15 {
			others := slices.DeleteFunc(slices.Clone(cands), func(x int) bool { return x == owner })
			if line.name != "steel" {
				others = append(others, b.cands["*fund"]...)
			}
			if len(others) > 0 {
				partner = others[r.IntN(len(others))]
			}
		}
		if partner < 0 {
			b.match(ai, owner, "owner", new(100.0), method, r)
		} else {
			major := []float64{51, 60, 70}[r.IntN(3)]
			b.match(ai, owner, "owner", new(major), method, r)
			b.match(ai, owner, "operator", nil, method, r)
			b.match(ai, partner, "owner", new(100-major), methods[r.IntN(len(methods))], r)
		}
		if top := b.ultim[owner]; top != owner {
			b.match(ai, top, "parent", nil, "registry_id", r)
		}
	}
}

// records writes the GLEIF relationship and reporting-exception records of the entities.
func (b *ownershipBuilder) records() {
	d := b.d
	rel := func(start, end int, typ, status string) {
		e := &d.Entities[start]
		sd := *e.Created
		if e.InitialRegistration.After(sd) {
			sd = e.InitialRegistration
		}
		reg := "PUBLISHED"
		if status == "INACTIVE" {
			reg = "RETIRED"
		}
		d.Relationships = append(d.Relationships, Relationship{ID: len(d.Relationships) + 1, Start: start, End: end,
			Type: typ, Status: status, StartDate: &sd, Registration: reg, Ingested: gleifIngested})
	}
	exc := func(ent int, cat, reason string) {
		d.Exceptions = append(d.Exceptions, ReportingException{ID: len(d.Exceptions) + 1, Entity: ent, Category: cat,
			Reason: reason, Ingested: gleifIngested})
	}
	for i := range d.Entities {
		e := &d.Entities[i]
		status := "ACTIVE"
		if e.Status == "INACTIVE" {
			status = "INACTIVE"
		}
		if e.DirectParent >= 0 {
			rel(i, e.DirectParent, "IS_DIRECTLY_CONSOLIDATED_BY", status)
			rel(i, e.UltimateParent, "IS_ULTIMATELY_CONSOLIDATED_BY", status)
		}
		if e.DirectReason != "" {
			exc(i, "DIRECT_ACCOUNTING_CONSOLIDATION_PARENT", e.DirectReason)
			exc(i, "ULTIMATE_ACCOUNTING_CONSOLIDATION_PARENT", e.UltimateReason)
		}
	}
	for _, fm := range d.fundManaged {
		rel(fm[0], fm[1], "IS_FUND-MANAGED_BY", "ACTIVE")
	}
	for _, f := range d.feeders {
		rel(f[0], f[1], "IS_FEEDER_TO", "ACTIVE")
	}
	d.entityByLEI = make(map[string]int, len(d.Entities))
	for i := range d.Entities {
		d.entityByLEI[d.Entities[i].LEI] = i
	}
}

// EntityByLEI returns the index of the entity with that LEI.
func (d *Dataset) EntityByLEI(lei string) (int, bool) {
	i, ok := d.entityByLEI[lei]
	return i, ok
}

// Children are the indices of the entities lei directly consolidates (active relationships).
func (d *Dataset) Children(entity int) []int {
	var out []int
	for i := range d.Entities {
		if d.Entities[i].DirectParent == entity && d.Entities[i].Status == "ACTIVE" {
			out = append(out, i)
		}
	}
	return out
}
