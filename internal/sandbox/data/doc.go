// Package data builds the sandbox's deterministic dataset: OpenAQ stations, sensors and
// measurements, Climate TRACE sectors, assets and monthly emissions, and EDGAR national and
// gridded emissions, all placed at real cities and derived from one seed.
//
// Nothing depends on the wall clock: the same seed always yields the same rows, ids, values and
// cursors, so tests can compare what the API returns with the ground truth held here (for
// example each city's built-in long-term trend). Large tables are stored compactly or computed on
// demand from pure functions: measurements as one float32 column per sensor on a fixed time grid,
// Climate TRACE emissions as per-asset monthly CO2e with fixed gas shares, and EDGAR grid cells
// as kernels over national totals.
package data
