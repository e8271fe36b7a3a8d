package spec_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/janaplatform/jana-mcp/internal/spec"
)

func prepare(t *testing.T, schema, overlay string) *spec.Prepared {
	t.Helper()
	if overlay != "" {
		overlay = filepath.Join("testdata", overlay)
	}
	p, err := spec.PrepareFiles(filepath.Join("testdata", schema), overlay)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func notes(p *spec.Prepared) string {
	var b strings.Builder
	for _, n := range p.Notes {
		b.WriteString(n.String() + "\n")
	}
	return b.String()
}

func prop(t *testing.T, p *spec.Prepared, component, name string) *openapi3.Schema {
	t.Helper()
	c := p.Doc.Components.Schemas[component]
	if c == nil {
		t.Fatalf("no component %s (have %v)", component, slices.Sorted(maps.Keys(p.Doc.Components.Schemas)))
	}
	s := c.Value.Properties[name]
	if s == nil {
		t.Fatalf("%s has no property %s", component, name)
	}
	return s.Value
}

// TestOverlayActionWithoutTargetIsSkipped: the fix the issue met, for a component the schema no
// longer has, is skipped with a note naming it; the overlay's other fix still applies.
func TestOverlayActionWithoutTargetIsSkipped(t *testing.T) {
	t.Parallel()
	p := prepare(t, "clean.yaml", "overlay-stale.yaml")
	if !strings.Contains(notes(p), "overlay action 1 ($.components.schemas.Status9a1Enum): skipped: its target matches nothing") {
		t.Errorf("no note of the skipped action:\n%s", notes(p))
	}
	if d := prop(t, p, "Note", "text").Description; d != "The note's text." {
		t.Errorf("the applicable action was not applied: description %q", d)
	}
}

// TestEmptyOverlayIsNoOverlay: an overlay without actions (or none at all) changes nothing, and
// a schema with none of the quirks comes out as it went in.
func TestEmptyOverlayIsNoOverlay(t *testing.T) {
	t.Parallel()
	raw, err := openapi3.NewLoader().LoadFromFile(filepath.Join("testdata", "clean.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(raw)
	for _, overlay := range []string{"overlay-empty.yaml", ""} {
		p := prepare(t, "clean.yaml", overlay)
		if len(p.Notes) != 0 {
			t.Errorf("overlay %q: notes on a schema without quirks:\n%s", overlay, notes(p))
		}
		if diff := cmp.Diff(string(want), string(p.JSON)); diff != "" {
			t.Errorf("overlay %q: the schema changed (-want +got):\n%s", overlay, diff)
		}
	}
}

// TestRepositoryOverlayOnAForeignSchema: the repository's own overlay targets Jana's paginated
// lists by shape; on a schema without them both actions are skipped, with notes.
func TestRepositoryOverlayOnAForeignSchema(t *testing.T) {
	t.Parallel()
	p, err := spec.PrepareFiles(filepath.Join("testdata", "clean.yaml"), filepath.Join("..", "..", "api", "overlay.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(notes(p), "skipped: its target matches nothing"); got != 2 {
		t.Errorf("%d actions skipped, want 2:\n%s", got, notes(p))
	}
}

// TestNullableChoiceFoundByShape: every oneOf of one choice set and blank or null choices becomes
// a scalar of the choice set's type, nullable when null is a choice, whatever the components are
// called; the choices stay in the description.
func TestNullableChoiceFoundByShape(t *testing.T) {
	t.Parallel()
	p := prepare(t, "nullable-choice.yaml", "")
	for _, tc := range []struct {
		name, typ string
		nullable  bool
	}{
		{"capacity_unit", "string", true},
		{"week_day", "integer", true},
		{"grade", "string", false},
		{"kind", "string", true}, // EmptyChoice and NoChoice (type: 'null')
	} {
		s := prop(t, p, "Asset", tc.name)
		if len(s.OneOf) != 0 || !s.Type.Is(tc.typ) || s.Nullable != tc.nullable {
			t.Errorf("%s: oneOf %d, type %v, nullable %v; want a %s, nullable %v", tc.name, len(s.OneOf), s.Type, s.Nullable, tc.typ, tc.nullable)
		}
	}
	if d := prop(t, p, "Asset", "capacity_unit").Description; !strings.Contains(d, "Unit of capacity.") || !strings.Contains(d, "`t/yr` - t/yr") {
		t.Errorf("capacity_unit's description lost its text or choices: %q", d)
	}
	if items := prop(t, p, "Asset", "tags").Items.Value; len(items.OneOf) != 0 || !items.Type.Is("string") {
		t.Errorf("tags' items still a oneOf: %+v", items)
	}
	if got := strings.Count(notes(p), "became a"); got != 5 {
		t.Errorf("%d fixes noted, want 5:\n%s", got, notes(p))
	}
}

// TestBlankFormatFoundByShape: a formatted string that may be blank is a string; the format is
// dropped where its Go type cannot hold "" (email, uuid, date), kept where it can (uri).
func TestBlankFormatFoundByShape(t *testing.T) {
	t.Parallel()
	p := prepare(t, "blank-format.yaml", "")
	for name, format := range map[string]string{"email": "", "website": "uri", "external_id": "", "born": ""} {
		s := prop(t, p, "Person", name)
		if len(s.OneOf) != 0 || !s.Type.Is("string") || s.Format != format {
			t.Errorf("%s: oneOf %d, type %v, format %q; want a string, format %q", name, len(s.OneOf), s.Type, s.Format, format)
		}
	}
	w := prop(t, p, "Person", "website")
	if !w.Nullable || w.Description != "Home page." || w.MaxLength == nil || *w.MaxLength != 200 {
		t.Errorf("website lost what the wrapper and the string said: %+v", w)
	}
	if !prop(t, p, "Person", "external_id").ReadOnly {
		t.Error("external_id is no longer read-only")
	}
}

// TestHashedEnumNamesAreStable: the hash-suffixed names drf-spectacular gives when another
// status field comes are mapped back to what the choice sets were called before it came, so the
// Go names do not change; a hashed set with one user gets the plain name too.
func TestHashedEnumNamesAreStable(t *testing.T) {
	t.Parallel()
	before, after := prepare(t, "hashed-enum-before.yaml", ""), prepare(t, "hashed-enum.yaml", "")
	for _, c := range []struct{ component, property, want string }{
		{"Source", "status", "StatusEnum"},
		{"Table", "status", "StatusEnum"},
		{"Ingestion", "phase", "PhaseEnum"},
		{"Ingestion", "status", "IngestionStatusEnum"},
	} {
		s := after.Doc.Components.Schemas[c.component].Value.Properties[c.property]
		if got := strings.TrimPrefix(s.Ref, "#/components/schemas/"); got != c.want {
			t.Errorf("after: %s.%s refers to %s, want %s", c.component, c.property, got, c.want)
		}
		if b := before.Doc.Components.Schemas[c.component].Value.Properties[c.property]; b != nil && b.Ref != s.Ref {
			t.Errorf("%s.%s: %s before, %s after", c.component, c.property, b.Ref, s.Ref)
		}
	}
	for _, gone := range []string{"Status9a1Enum", "PhaseE4fEnum"} {
		if after.Doc.Components.Schemas[gone] != nil {
			t.Errorf("%s is still a component", gone)
		}
	}
}

// TestCollidingGoNamesAreParted: properties and parameters whose names differ only in what Go
// names drop get distinct Go names, the deprecated alias "…Alias", and a parameter's choices a
// type of their own.
func TestCollidingGoNamesAreParted(t *testing.T) {
	t.Parallel()
	p := prepare(t, "collisions.yaml", "")
	goName := func(ext map[string]any) string { s, _ := ext["x-go-name"].(string); return s }
	if n := goName(prop(t, p, "Station", "is_global").Extensions); n != "IsGlobal2" {
		t.Errorf("is_global's Go name %q, want IsGlobal2", n)
	}
	if n := goName(prop(t, p, "Station", "isGlobal").Extensions); n != "" {
		t.Errorf("isGlobal renamed %q; it keeps its name", n)
	}
	if o := p.Doc.Components.Schemas["Station"].Value.Properties["owner"]; goName(o.Value.Extensions) != "Owner2" || len(o.Value.AllOf) != 1 {
		t.Errorf("the reference owner is not wrapped and renamed: %+v", o.Value)
	}
	if goName(p.Doc.Components.Schemas["Owner"].Value.Extensions) != "" {
		t.Error("renaming a reference renamed the component it refers to")
	}
	var alias *openapi3.Parameter
	for _, prm := range p.Doc.Paths.Value("/api/stations/").Get.Parameters {
		if prm.Value.Name == "parameter_name" {
			alias = prm.Value
		}
	}
	if goName(alias.Extensions) != "ParameterNameAlias" || alias.Schema.Value.Extensions["x-go-type-name"] != "StationsListParamsParameterNameAlias" {
		t.Errorf("the deprecated alias is not renamed: %v, schema %v", alias.Extensions, alias.Schema.Value.Extensions)
	}
}

// TestJSONParameterBecomesText: a parameter of any JSON value is a string carrying its JSON text.
func TestJSONParameterBecomesText(t *testing.T) {
	t.Parallel()
	p := prepare(t, "json-parameter.yaml", "")
	s := p.Doc.Paths.Value("/api/things/").Get.Parameters[0].Value.Schema.Value
	if !s.Type.Is("string") || s.Extensions[spec.JSONText] != true {
		t.Errorf("metadata: %+v", s)
	}
}

// TestPreparedSchemaIsAFixedPoint: preparing a prepared schema changes nothing more, and a
// fresh copy is the prepared schema.
func TestPreparedSchemaIsAFixedPoint(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".tools.yaml") || strings.HasPrefix(name, "overlay-") {
			continue
		}
		p := prepare(t, name, "")
		again, err := spec.Prepare(p.JSON, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(again.Notes) != 0 || string(again.JSON) != string(p.JSON) {
			t.Errorf("%s: preparing again changed it:\n%s", name, notes(again))
		}
		fresh, err := p.Fresh()
		if err != nil {
			t.Fatal(err)
		}
		if data, _ := json.Marshal(fresh); string(data) != string(p.JSON) {
			t.Errorf("%s: a fresh copy differs from the prepared schema", name)
		}
	}
}
