package data

import "math"

// population2022 is each country's population in millions in 2022, rounded (UN World
// Population Prospects orders of magnitude): it only has to make per-capita values plausible.
var population2022 = map[string]float64{
	"CHN": 1412, "USA": 333, "IND": 1417, "RUS": 144, "BRA": 215, "IDN": 276, "JPN": 125, "IRN": 89,
	"SAU": 36, "MEX": 127, "DEU": 84, "CAN": 39, "KOR": 52, "TUR": 85, "AUS": 26, "PAK": 236,
	"VNM": 98, "ZAF": 60, "THA": 72, "GBR": 67, "FRA": 68, "ITA": 59, "POL": 38, "ARG": 46,
	"KAZ": 20, "NGA": 219, "EGY": 111, "MYS": 34, "ESP": 48, "TWN": 23, "ARE": 9.4, "BGD": 171,
	"DZA": 45, "UKR": 38, "PHL": 116, "IRQ": 44, "VEN": 28, "UZB": 35, "COL": 52, "ETH": 123,
	"NLD": 17.7, "MMR": 54, "QAT": 2.7, "TKM": 6.4, "KWT": 4.3, "CHL": 19.6, "BEL": 11.7, "CZE": 10.7,
	"ROU": 19, "PER": 34, "OMN": 4.6, "MAR": 37, "TZA": 65, "BLR": 9.2, "SDN": 47, "PRK": 26,
	"ISR": 9.6, "LBY": 6.8, "COD": 99, "KEN": 54, "GRC": 10.4, "NZL": 5.1, "AUT": 9.1, "AGO": 36,
	"BOL": 12.2, "ECU": 18, "MNG": 3.4, "HUN": 9.6, "IRL": 5.1, "SGP": 5.6, "SRB": 6.7, "AZE": 10.1,
	"PRT": 10.4, "BGR": 6.5, "NPL": 30.5, "NOR": 5.5, "SWE": 10.5, "FIN": 5.6, "GHA": 33.5, "PRY": 6.8,
	"BHR": 1.5, "CHE": 8.8, "DNK": 5.9, "TUN": 12.4, "CMR": 27.9, "UGA": 47.2, "KHM": 16.8, "SYR": 22.1,
	"TTO": 1.5, "SVK": 5.4, "CUB": 11.2, "DOM": 11.2, "GTM": 17.4, "ZWE": 16.3, "CIV": 28.2, "LKA": 22.2,
	"AFG": 41.1, "MLI": 22.6, "URY": 3.4, "HKG": 7.3, "ZMB": 20, "MOZ": 33, "JOR": 11.3, "TCD": 17.7,
	"MDG": 29.6, "LAO": 7.5, "BIH": 3.2, "LBN": 5.5, "SEN": 17.3, "NER": 26.2, "HRV": 3.9, "LTU": 2.8,
	"GEO": 3.7, "SVN": 2.1, "PAN": 4.4, "HND": 10.4, "NIC": 6.9, "PNG": 10.1, "CRI": 5.2, "EST": 1.3,
	"MDA": 2.5, "BRN": 0.45, "LVA": 1.9, "ARM": 2.8, "MKD": 1.8, "SLV": 6.3, "LUX": 0.65, "CYP": 1.25,
	"JAM": 2.8, "ALB": 2.8, "ISL": 0.38, "MLT": 0.53, "FJI": 0.93,
}

// populationGrowth is the yearly population growth of each profile.
var populationGrowth = map[Profile]float64{
	ProfileMature: 0.003, ProfileEmerging: 0.011, ProfileCoal: 0.006, ProfileOil: 0.017, ProfileAgri: 0.021,
}

// Population is the country's population in millions in a year.
func (d *Dataset) Population(country, year int) float64 {
	c := d.Countries[country]
	p := population2022[c.ISO3]
	if p == 0 {
		p = 1
	}
	return math.Round(p*math.Pow(1+populationGrowth[c.Profile], float64(year-2022))*1000) / 1000
}
