// Package spec prepares Jana's OpenAPI schema for Go generation. The schema stays exactly as
// the backend serves it (api/openapi.yaml); what generation reads is that schema with, in order,
// the overlay in api/ (people's fixes, each action skipped with a note when its target is absent)
// and drf-spectacular's quirks fixed where they are found by their shape, never by today's names:
// nullable choice fields (oneOf [XEnum, BlankEnum, NullEnum]), blankable formatted strings
// (oneOf [format, maxLength 0]), hash-suffixed enum names, and properties or parameters whose Go
// names collide. Every change is reported as a Note.
package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// Note says what preparation changed, or skipped, and where.
type Note struct {
	Where string // a location in the schema, e.g. components.schemas.Asset.properties.unit
	What  string
}

func (n Note) String() string { return n.Where + ": " + n.What }

// Prepared is the schema as generation reads it.
type Prepared struct {
	// Doc is the prepared schema. Treat it as read-only: oapi-codegen changes the document it
	// is given (it prunes unused components), so give it a Fresh copy.
	Doc   *openapi3.T
	JSON  []byte // Doc, marshalled
	Notes []Note
}

// Fresh returns a new copy of the prepared schema.
func (p *Prepared) Fresh() (*openapi3.T, error) { return load(p.JSON) }

// PrepareFiles reads the schema and the overlay (optional: "" or a missing file means none) and
// prepares them.
func PrepareFiles(schemaPath, overlayPath string) (*Prepared, error) {
	schema, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var overlay []byte
	if overlayPath != "" {
		if overlay, err = os.ReadFile(overlayPath); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	p, err := Prepare(schema, overlay)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	return p, nil
}

// Prepare applies the overlay (nil or empty: none) to the schema (YAML or JSON) and fixes
// drf-spectacular's quirks.
func Prepare(schema, overlay []byte) (*Prepared, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(schema, &root); err != nil {
		return nil, fmt.Errorf("parsing the schema: %w", err)
	}
	notes, err := applyOverlay(&root, overlay)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("encoding the overlaid schema: %w", err)
	}
	doc, err := load(b.Bytes())
	if err != nil {
		return nil, err
	}
	notes = append(notes, fixQuirks(doc)...)
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encoding the prepared schema: %w", err)
	}
	// Reload what was written, so that Doc is exactly what a Fresh copy will be.
	if doc, err = load(data); err != nil {
		return nil, fmt.Errorf("the prepared schema does not load: %w", err)
	}
	return &Prepared{Doc: doc, JSON: data, Notes: notes}, nil
}

func load(data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading the schema: %w", err)
	}
	return doc, nil
}
