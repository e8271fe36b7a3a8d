package sandbox

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// Exports: the unified data query written to a file. POST exports/ queues a job, the first
// look at its status (or its download) produces the file from the data, and download/ serves it
// to the user who created it until it expires. The synchronous export/ answers at once.

// Bounds of the export store: jobs kept, bytes of files kept, records per source.
const (
	maxExports       = 100
	maxExportBytes   = 64 << 20
	maxExportRecords = 10000
)

type exportJob struct {
	id          uuid.UUID
	owner       string
	format      string
	compression string
	query       exportQuery
	created     time.Time
	expires     time.Time
	status      string // pending, processing, completed, failed, expired
	err         string
	records     int
	file        []byte
	fileName    string
	contentType string
	completed   *time.Time
}

type exportStore struct {
	mu    sync.Mutex
	jobs  map[uuid.UUID]*exportJob
	order []uuid.UUID // oldest first
	bytes int
}

func newExportStore() *exportStore { return &exportStore{jobs: map[uuid.UUID]*exportJob{}} }

func (s *exportStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs, s.order, s.bytes = map[uuid.UUID]*exportJob{}, nil, 0
}

// evictLocked drops the oldest jobs (other than keep) while the store is over its bounds.
func (s *exportStore) evictLocked(keep uuid.UUID) {
	for len(s.order) > 0 && (len(s.jobs) > maxExports || s.bytes > maxExportBytes) {
		i := slices.IndexFunc(s.order, func(id uuid.UUID) bool { return id != keep })
		if i < 0 {
			return
		}
		id := s.order[i]
		s.order = slices.Delete(s.order, i, i+1)
		s.bytes -= len(s.jobs[id].file)
		delete(s.jobs, id)
	}
}

// exportQuery is a validated data query of an export.
type exportQuery struct {
	filter     unifiedFilter
	sources    []string
	res        data.Resolution
	minQuality float64
	limit      int
	echo       janaapi.UnifiedQuery
}

// exportKeys are the query_params keys an export takes: those of data/ without paging.
var exportKeys = []string{"country_codes", "date_from", "date_to", "limit", "location_bbox", "location_point",
	"parameters", "quality_threshold", "radius_km", "sources", "temporal_resolution"}

// parseExportQuery validates query_params with the schema rules of data/'s parameters.
func (h *server) parseExportQuery(qp map[string]any) (exportQuery, error) {
	var bad []string
	for k := range qp {
		if !slices.Contains(exportKeys, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return exportQuery{}, fieldError("query_params", fmt.Sprintf("Unknown key(s): %s. Allowed: %s.",
			strings.Join(bad, ", "), strings.Join(exportKeys, ", ")))
	}
	// As a query string, so that data/'s schema rules (types, ranges, choices) apply unchanged.
	q := url.Values{}
	for k, v := range qp {
		switch x := v.(type) {
		case []any:
			for _, it := range x {
				q.Add(k, fmt.Sprint(it))
			}
		case nil:
		default:
			q.Set(k, fmt.Sprint(x))
		}
	}
	for _, k := range []string{"sources", "country_codes", "parameters"} {
		if len(q[k]) > 1 {
			q[k] = []string{strings.Join(q[k], ",")}
		}
	}
	if ae := checkQuery(h.s.spec.ops["v1_esg_data_retrieve"], q); ae != nil {
		return exportQuery{}, &apiError{status: http.StatusBadRequest, body: map[string]any{"query_params": ae.body}}
	}
	floats := func(k string) *[]float64 {
		if len(q[k]) == 0 {
			return nil
		}
		var out []float64
		for _, v := range q[k] {
			f, _ := strconv.ParseFloat(v, 64)
			out = append(out, f)
		}
		return &out
	}
	list := func(k string) *[]string {
		if len(q[k]) == 0 {
			return nil
		}
		return new(splitList(q[k][0]))
	}
	when := func(k string) *time.Time {
		if len(q[k]) == 0 {
			return nil
		}
		t, _ := parseDateTime(q[k][0])
		return &t
	}
	var radius *float64
	if v := q.Get("radius_km"); v != "" {
		f, _ := strconv.ParseFloat(v, 64)
		radius = &f
	}
	f, err := h.parseUnifiedFilter(floats("location_bbox"), floats("location_point"), radius, list("country_codes"),
		when("date_from"), when("date_to"), list("parameters"))
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			return exportQuery{}, &apiError{status: ae.status, body: map[string]any{"query_params": ae.body}}
		}
		return exportQuery{}, err
	}
	out := exportQuery{filter: f, res: resolutionOf(q.Get("temporal_resolution")), limit: maxExportRecords}
	out.sources = sourcesOf(list("sources"), srcOpenAQ, srcClimateTrace, srcEdgar)
	if v := q.Get("quality_threshold"); v != "" {
		out.minQuality, _ = strconv.ParseFloat(v, 64)
	}
	if v := q.Get("limit"); v != "" {
		out.limit, _ = strconv.Atoi(v)
	}
	filters := map[string]any{}
	for k, v := range qp {
		filters[k] = v
	}
	out.echo = janaapi.UnifiedQuery{Sources: out.sources, Filters: &filters}
	return out, nil
}

// exportRecords runs an export query: each source's records, newest first, up to the limit.
func (h *server) exportRecords(q exportQuery) ([]janaapi.ExportRecord, janaapi.UnifiedMetadata) {
	start := time.Now()
	var out []janaapi.ExportRecord
	total := 0
	for _, src := range q.sources {
		switch src {
		case srcOpenAQ:
			recs, t := h.unifiedAQ(q.filter, q.res, q.minQuality, 0, q.limit)
			total += int(t)
			for _, r := range recs {
				out = append(out, janaapi.ExportRecord{Source: srcOpenAQ, RecordType: "air_quality", Id: fmt.Sprintf("openaq:%d", r.LocationId),
					Name: r.LocationName, Parameter: r.Parameter, Value: r.Value, Unit: r.Unit, Timestamp: r.Timestamp,
					Longitude: new(r.Coordinates[0]), Latitude: new(r.Coordinates[1]), CountryCode: r.CountryCode})
			}
		case srcClimateTrace, srcEdgar:
			var recs []janaapi.EmissionRecord
			if src == srcClimateTrace {
				var t int64
				recs, t = h.unifiedCT(q.filter, 0, q.limit)
				total += int(t)
			} else {
				var t int
				recs, t = h.unifiedEdgar(q.filter, 0, q.limit)
				total += t
			}
			for _, r := range recs {
				rec := janaapi.ExportRecord{Source: src, RecordType: "emission", Name: r.AssetName, Parameter: strOf(r.Gas),
					Value: r.Value, Unit: r.Unit, Timestamp: r.Timestamp, CountryCode: r.CountryCode, Sector: new(r.Sector)}
				switch {
				case r.AssetId != nil:
					rec.Id = fmt.Sprintf("%s:%d", src, *r.AssetId)
				case r.CountryCode != nil:
					rec.Id = src + ":" + *r.CountryCode
				default:
					rec.Id = src + ":grid"
				}
				if r.Coordinates != nil && len(*r.Coordinates) == 2 {
					rec.Longitude, rec.Latitude = new((*r.Coordinates)[0]), new((*r.Coordinates)[1])
				}
				out = append(out, rec)
			}
		}
	}
	if out == nil {
		out = []janaapi.ExportRecord{}
	}
	md := janaapi.UnifiedMetadata{TotalRecords: total, ReturnedRecords: len(out), SourcesQueried: &q.sources,
		HasMore: new(total > len(out)), ProcessingTimeMs: round(float64(time.Since(start).Microseconds())/1000, 3)}
	return out, md
}

var exportColumns = []string{"source", "record_type", "id", "name", "parameter", "value", "unit", "timestamp",
	"longitude", "latitude", "country_code", "sector"}

func writeCSV(w io.Writer, recs []janaapi.ExportRecord) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	for _, r := range recs {
		if err := cw.Write([]string{r.Source, r.RecordType, r.Id, r.Name, r.Parameter, strconv.FormatFloat(r.Value, 'f', -1, 64),
			r.Unit, r.Timestamp.UTC().Format(time.RFC3339), opt(r.Longitude), opt(r.Latitude), strOf(r.CountryCode),
			strOf(r.Sector)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func geoJSON(recs []janaapi.ExportRecord) map[string]any {
	features := make([]any, 0, len(recs))
	for _, r := range recs {
		var geom any
		if r.Longitude != nil && r.Latitude != nil {
			geom = map[string]any{"type": "Point", "coordinates": []float64{*r.Longitude, *r.Latitude}}
		}
		features = append(features, map[string]any{"type": "Feature", "geometry": geom, "properties": r})
	}
	return map[string]any{"type": "FeatureCollection", "features": features}
}

// V1EsgExportRetrieve answers a small data query at once, as JSON or CSV.
func (h *server) V1EsgExportRetrieve(c echo.Context, p janaapi.V1EsgExportRetrieveParams) error {
	f, err := h.parseUnifiedFilter(p.LocationBbox, p.LocationPoint, p.RadiusKm, p.CountryCodes, p.DateFrom, p.DateTo, p.Parameters)
	if err != nil {
		return err
	}
	sources := sourcesOf(p.Sources, srcOpenAQ, srcClimateTrace, srcEdgar)
	recs, md := h.exportRecords(exportQuery{filter: f, sources: sources, res: data.ResRaw, limit: maxExportRecords})
	if p.OutputFormat != nil && *p.OutputFormat == janaapi.V1EsgExportRetrieveParamsOutputFormatCsv {
		var buf bytes.Buffer
		if err := writeCSV(&buf, recs); err != nil {
			return err
		}
		c.Response().Header().Set("Content-Disposition", `attachment; filename="jana-export.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
	return writeJSON(c, http.StatusOK, janaapi.EsgExportResponse{Query: queryEcho(c, sources), Metadata: md, Data: recs,
		Attribution: attributionFor(sources)})
}

// exportRequest is the POST body, read field by field to give DRF's messages.
type exportRequest struct {
	QueryParams       json.RawMessage `json:"query_params"`
	ExportFormat      *string         `json:"export_format"`
	Compression       *string         `json:"compression"`
	ChunkSize         json.RawMessage `json:"chunk_size"`
	EmailNotification *string         `json:"email_notification"`
	ExpiresInHours    json.RawMessage `json:"expires_in_hours"`
}

// intField reads an optional integer field within bounds.
func intField(raw json.RawMessage, def, lo, hi int, errs map[string][]string, name string) int {
	if len(raw) == 0 || string(raw) == "null" {
		return def
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		errs[name] = []string{msgInteger}
		return def
	}
	switch {
	case n < lo:
		errs[name] = []string{fmt.Sprintf(msgMin, strconv.Itoa(lo))}
	case n > hi:
		errs[name] = []string{fmt.Sprintf(msgMax, strconv.Itoa(hi))}
	}
	return n
}

// V1EsgExportsCreate queues an export.
func (h *server) V1EsgExportsCreate(c echo.Context) error {
	raw, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return badRequest("Could not read the request body.")
	}
	var body exportRequest
	if err := json.Unmarshal(raw, &body); err != nil {
		return badRequest("JSON parse error - " + err.Error())
	}
	errs := map[string][]string{}
	var qp map[string]any
	switch {
	case len(body.QueryParams) == 0 || string(body.QueryParams) == "null":
		errs["query_params"] = []string{msgFieldIsRequired}
	case json.Unmarshal(body.QueryParams, &qp) != nil:
		errs["query_params"] = []string{"Expected a dictionary of items."}
	}
	format := ""
	switch {
	case body.ExportFormat == nil:
		errs["export_format"] = []string{msgFieldIsRequired}
	case !slices.Contains([]string{"csv", "json", "parquet", "geojson"}, *body.ExportFormat):
		errs["export_format"] = []string{fmt.Sprintf(msgChoice, *body.ExportFormat)}
	default:
		format = *body.ExportFormat
	}
	compression := "none"
	if body.Compression != nil {
		if !slices.Contains([]string{"none", "gzip", "bzip2"}, *body.Compression) {
			errs["compression"] = []string{fmt.Sprintf(msgChoice, *body.Compression)}
		}
		compression = *body.Compression
	}
	intField(body.ChunkSize, 10000, 100, 100000, errs, "chunk_size")
	hours := intField(body.ExpiresInHours, 24, 1, 168, errs, "expires_in_hours")
	if e := body.EmailNotification; e != nil && (!strings.Contains(*e, "@") || len(*e) > 254) {
		errs["email_notification"] = []string{"Enter a valid email address."}
	}
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	q, err := h.parseExportQuery(qp)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	job := &exportJob{id: uuid.New(), owner: stateOf(c).user.username, format: format, compression: compression, query: q,
		created: now, expires: now.Add(time.Duration(hours) * time.Hour), status: "pending"}
	st := h.s.exports
	st.mu.Lock()
	st.jobs[job.id] = job
	st.order = append(st.order, job.id)
	st.evictLocked(job.id)
	body2 := h.jobBody(c, job)
	st.mu.Unlock()
	return writeJSON(c, http.StatusCreated, body2)
}

// job finds the caller's export and, when still pending, produces its file.
func (h *server) job(c echo.Context, id openapi_types.UUID) (*exportJob, error) {
	st := h.s.exports
	st.mu.Lock()
	job := st.jobs[id]
	if job == nil || job.owner != stateOf(c).user.username {
		st.mu.Unlock()
		return nil, notFound()
	}
	if job.status != "expired" && time.Now().After(job.expires) {
		st.bytes -= len(job.file)
		job.status, job.file = "expired", nil
	}
	run := job.status == "pending"
	if run {
		job.status = "processing"
	}
	st.mu.Unlock()
	if run {
		h.produce(job)
	}
	return job, nil
}

// produce writes the export's file (outside the store's lock: it reads the dataset only).
func (h *server) produce(job *exportJob) {
	var file []byte
	var name, ctype, failure string
	recs, md := h.exportRecords(job.query)
	base := "jana-export-" + job.id.String()[:8]
	switch job.format {
	case "csv":
		var buf bytes.Buffer
		if err := writeCSV(&buf, recs); err != nil {
			failure = "could not write the CSV file"
		}
		file, name, ctype = buf.Bytes(), base+".csv", "text/csv"
	case "json", "geojson":
		var v any = janaapi.EsgExportResponse{Query: job.query.echo, Metadata: md, Data: recs, Attribution: attributionFor(job.query.sources)}
		name, ctype = base+".json", "application/json"
		if job.format == "geojson" {
			v, name, ctype = geoJSON(recs), base+".geojson", "application/geo+json"
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			failure = "could not write the JSON file"
		}
		file = buf.Bytes()
	default:
		failure = job.format + " exports are not available on this server; use csv, json or geojson"
	}
	switch {
	case failure != "":
	case job.compression == "gzip":
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(file)
		_ = zw.Close()
		file, name, ctype = buf.Bytes(), name+".gz", "application/gzip"
	case job.compression == "bzip2":
		failure = "bzip2 compression is not available on this server; use gzip or none"
	}
	st := h.s.exports
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now().UTC().Truncate(time.Millisecond)
	job.completed = &now
	if failure != "" {
		job.status, job.err = "failed", failure
		return
	}
	job.status, job.file, job.fileName, job.contentType, job.records = "completed", file, name, ctype, len(recs)
	st.bytes += len(file)
	st.evictLocked(job.id)
}

func (h *server) jobBody(c echo.Context, job *exportJob) janaapi.ExportJob {
	out := janaapi.ExportJob{ExportId: job.id, Status: job.status, ExportFormat: job.format, Compression: job.compression,
		CreatedAt: job.created, CompletedAt: job.completed, ExpiresAt: job.expires}
	switch job.status {
	case "completed":
		out.ProgressPercent = 100
		out.RecordCount, out.FileSizeBytes, out.FileName = new(job.records), new(int64(len(job.file))), new(job.fileName)
		out.DownloadUrl = h.s.absolute(c, "/api/v1/esg/exports/"+job.id.String()+"/download/")
	case "processing":
		out.ProgressPercent = 50
	case "failed":
		out.Error = new(job.err)
	case "expired":
		out.ProgressPercent = 100
		out.Error = new("The export has expired; create it again.")
	}
	return out
}

// V1EsgExportsRetrieve reports an export's status (producing it on first look).
func (h *server) V1EsgExportsRetrieve(c echo.Context, id openapi_types.UUID) error {
	job, err := h.job(c, id)
	if err != nil {
		return err
	}
	h.s.exports.mu.Lock()
	body := h.jobBody(c, job)
	h.s.exports.mu.Unlock()
	return writeJSON(c, http.StatusOK, body)
}

// V1EsgExportsDownloadRetrieve serves an export's file.
func (h *server) V1EsgExportsDownloadRetrieve(c echo.Context, id openapi_types.UUID) error {
	job, err := h.job(c, id)
	if err != nil {
		return err
	}
	st := h.s.exports
	st.mu.Lock()
	status, file, name, ctype, msg := job.status, job.file, job.fileName, job.contentType, job.err
	st.mu.Unlock()
	switch status {
	case "expired":
		return detail(http.StatusGone, "The export has expired.")
	case "failed":
		return detail(http.StatusConflict, "The export failed: "+msg+".")
	case "completed":
	default:
		return detail(http.StatusConflict, "The export is not ready yet.")
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, ctype, file)
}
