package spec

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"
)

// applyOverlay applies an OpenAPI Overlay to root one action at a time. Unlike a strict
// application, an action whose target (or copy source) matches nothing is skipped with a note:
// the backend's schema moves under a fix written against an older one, and a stale fix must
// not stop generation. An overlay without actions is no overlay.
func applyOverlay(root *yaml.Node, data []byte) ([]Note, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	o, err := overlay.ParseReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parsing the overlay: %w", err)
	}
	if len(o.Actions) == 0 {
		return nil, nil
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("the overlay is not valid: %w", err)
	}
	var notes []Note
	for i, a := range o.Actions {
		where := fmt.Sprintf("overlay action %d (%s)", i+1, a.Target)
		missing, err := matchesNothing(o, root, a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if missing != "" {
			notes = append(notes, Note{Where: where, What: "skipped: " + missing})
			continue
		}
		one := *o
		one.Actions = []overlay.Action{a}
		if err := one.ApplyTo(root); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	return notes, nil
}

// matchesNothing says why an action has nothing to act on, or "" when it has.
func matchesNothing(o *overlay.Overlay, root *yaml.Node, a overlay.Action) (string, error) {
	if a.Target == "" {
		return "", errors.New("the action has no target")
	}
	target, err := o.NewPath(a.Target, nil)
	if err != nil {
		return "", err
	}
	if len(target.Query(root)) == 0 {
		return "its target matches nothing in the schema", nil
	}
	if a.Copy != "" && !a.Remove && a.Update.IsZero() {
		source, err := o.NewPath(a.Copy, nil)
		if err != nil {
			return "", err
		}
		if len(source.Query(root)) == 0 {
			return fmt.Sprintf("its copy source %s matches nothing in the schema", a.Copy), nil
		}
	}
	return "", nil
}
