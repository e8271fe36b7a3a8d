// Package settings is the mechanism behind a command's settings. One table lists every setting
// — its environment variable, its key in a YAML config file, its flag, type, default, usage and
// parser — and from it the settings are loaded (a local viper: flags > environment > config
// file > defaults), typed flags are registered, and --help and the README list them. An invalid
// value is refused naming what the user wrote: the flag, the variable or the file's key.
//
// internal/config holds the table of serve and demo, internal/sandbox/sandboxcfg the sandbox's.
package settings

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cast"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Kind is a setting's type: what its flag accepts on the command line, so that
// `--stateless --port 0` reads as a switch and a number and `--port abc` is refused naming the
// flag. Values from the environment and the config file are parsed by the setting alone.
type Kind int

// The kinds of settings.
const (
	String Kind = iota
	Bool
	Int
	Duration
	// List is a repeatable flag, comma-separated in the environment, and in the config file
	// comma-separated, a YAML list, or a mapping (read as key=value items).
	List
)

// String returns the kind's name as --help and the README show it.
func (k Kind) String() string {
	switch k {
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Duration:
		return "duration"
	case List:
		return "list"
	}
	return "string"
}

// Setting is one entry of a Table for the configuration type C.
type Setting[C any] struct {
	Env     string // environment variable
	Key     string // key in the config file; "" is Env
	Flag    string // "" for none; secrets have none, command lines being visible to every user
	Kind    Kind
	Default string
	Usage   string
	Secret  bool // a credential: never shown, so its parser must not echo the value
	// Apply parses a value (its text, trimmed) into c; for every kind but List.
	Apply func(c *C, raw string) error
	// ApplyList parses the items of a List setting into c.
	ApplyList func(c *C, items []Item) error
}

// key is the setting's viper key: viper folds keys to lower case.
func (s Setting[C]) key() string { return strings.ToLower(s.fileKey()) }

func (s Setting[C]) fileKey() string {
	if s.Key != "" {
		return s.Key
	}
	return s.Env
}

// Item is one entry of a List setting: text (one comma-separated part of a flag, a variable
// or a file's value; "k=v" for each entry of a mapping), or, for an entry of a YAML list that
// is itself a mapping, its fields.
type Item struct {
	Text   string
	Fields map[string]string
}

// Table is the settings of one command.
type Table[C any] struct {
	Settings []Setting[C]
	// Keys says how the config file names the settings, for --config's usage and the error on
	// an unknown key, e.g. "the environment variable names".
	Keys string
	// ConfigEnv, when set, is a variable that names the config file when --config is not given.
	ConfigEnv string
}

// Sources are where settings come from. Any may be empty.
type Sources struct {
	Flags  *pflag.FlagSet          // flags registered with Table.RegisterFlags
	Getenv func(key string) string // usually os.Getenv; an empty variable counts as unset
	File   string                  // YAML file; "" is --config's value (or ConfigEnv's)
}

// Field describes one setting for documentation (--help, the README).
type Field struct {
	Env, Key, Flag, Default, Usage string
	Kind                           Kind
	Secret                         bool // a credential: environment or config file only, never shown
}

// Fields lists the table's settings in table order.
func (t Table[C]) Fields() []Field {
	out := make([]Field, len(t.Settings))
	for i, s := range t.Settings {
		out[i] = Field{Env: s.Env, Key: s.fileKey(), Flag: s.Flag, Default: s.Default, Usage: s.Usage, Kind: s.Kind, Secret: s.Secret}
	}
	return out
}

// EnvOnly lists the settings of fields that have no flag, credentials first, for a command's help.
func EnvOnly(fields []Field) []Field {
	var secrets, others []Field
	for _, f := range fields {
		switch {
		case f.Flag != "":
		case f.Secret:
			secrets = append(secrets, f)
		default:
			others = append(others, f)
		}
	}
	return append(secrets, others...)
}

// RegisterFlags adds --config and the settings' flags to fs, each of its kind, named (by
// environment variable) in envs, or all when envs is nil; defaults, keyed by environment
// variable, are shown instead of the table's: for a command that honours only some settings,
// or has defaults of its own.
func (t Table[C]) RegisterFlags(fs *pflag.FlagSet, envs []string, defaults map[string]string) {
	usage := "YAML configuration file"
	if t.ConfigEnv != "" {
		usage += " (env " + t.ConfigEnv + ")"
	}
	fs.String("config", "", usage+"; keys are "+t.Keys)
	for _, s := range t.Settings {
		if s.Flag == "" || (envs != nil && !slices.Contains(envs, s.Env)) {
			continue
		}
		def := s.Default
		if d, ok := defaults[s.Env]; ok {
			def = d
		}
		usage := fmt.Sprintf("%s (env %s)", s.Usage, s.Env)
		switch s.Kind {
		case Bool:
			b, _ := strconv.ParseBool(def)
			fs.Bool(s.Flag, b, usage)
		case Int:
			n, _ := strconv.Atoi(def)
			fs.Int(s.Flag, n, usage)
		case Duration:
			d, _ := time.ParseDuration(def)
			fs.Duration(s.Flag, d, usage)
		case List:
			fs.StringArray(s.Flag, Split(def), fmt.Sprintf("%s (repeatable; env %s, comma-separated)", s.Usage, s.Env))
		default:
			fs.String(s.Flag, def, usage)
		}
	}
}

// Load reads, layers and parses the settings into a C. Errors name the flag when the value
// came from one, the variable when from the environment, and the key and file when from the
// config file; all the settings' errors are reported at once.
func (t Table[C]) Load(src Sources) (C, error) {
	var zero C
	v := viper.New()
	for _, s := range t.Settings {
		v.SetDefault(s.key(), s.Default)
	}
	origin := map[string]string{} // viper key → what the user wrote it as
	if file := t.file(src); file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return zero, fmt.Errorf("reading config file: %w", err)
		}
		v.SetConfigType("yaml")
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return zero, fmt.Errorf("parsing config file %s: %w", file, err)
		}
		if err := t.checkFileKeys(v); err != nil {
			return zero, fmt.Errorf("config file %s: %w", file, err)
		}
		for _, s := range t.Settings {
			if v.InConfig(s.key()) {
				origin[s.key()] = s.fileKey() + " in " + file
			}
		}
	}
	// Set overrides every lower layer, so the environment goes first and the flags win.
	if src.Getenv != nil {
		for _, s := range t.Settings {
			if val := src.Getenv(s.Env); val != "" {
				v.Set(s.key(), val)
				origin[s.key()] = s.Env
			}
		}
	}
	if src.Flags != nil {
		for _, s := range t.Settings {
			if s.Flag == "" {
				continue
			}
			if fl := src.Flags.Lookup(s.Flag); fl != nil && fl.Changed {
				v.Set(s.key(), flagValue(fl))
				origin[s.key()] = "--" + s.Flag
			}
		}
	}

	var c C
	var errs []error
	for _, s := range t.Settings {
		if err := s.apply(&c, v.Get(s.key())); err != nil {
			name := origin[s.key()]
			if name == "" {
				name = s.Env
			}
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return zero, err
	}
	return c, nil
}

func (s Setting[C]) apply(c *C, val any) error {
	if s.Kind == List {
		items, err := itemsOf(val)
		if err != nil {
			return err
		}
		return s.ApplyList(c, items)
	}
	if !scalar(val) {
		// viper reads a YAML list or map as "", which would drop the value silently.
		return errors.New("must be a single value, not a list or a map (list settings are comma-separated: a, b)")
	}
	return s.Apply(c, strings.TrimSpace(cast.ToString(val)))
}

// file is the config file: Sources.File, else --config when given, else ConfigEnv.
func (t Table[C]) file(src Sources) string {
	if src.File != "" {
		return src.File
	}
	var fl *pflag.Flag
	if src.Flags != nil {
		fl = src.Flags.Lookup("config")
	}
	if fl != nil && fl.Changed {
		return fl.Value.String()
	}
	if t.ConfigEnv != "" && src.Getenv != nil {
		if path := src.Getenv(t.ConfigEnv); path != "" {
			return path
		}
	}
	if fl != nil {
		return fl.Value.String()
	}
	return ""
}

func (t Table[C]) checkFileKeys(v *viper.Viper) error {
	known := make(map[string]bool, len(t.Settings))
	for _, s := range t.Settings {
		known[s.key()] = true
	}
	// viper folds keys to lower case; show them as the table writes them.
	upper := len(t.Settings) > 0 && t.Settings[0].fileKey() == strings.ToUpper(t.Settings[0].fileKey())
	var unknown []string
	for k := range v.AllSettings() {
		if !known[k] {
			if upper {
				k = strings.ToUpper(k)
			}
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	example := ""
	if len(t.Settings) > 0 {
		example = ", e.g. " + t.Settings[0].fileKey()
	}
	return fmt.Errorf("unknown keys %s (keys are %s%s)", strings.Join(unknown, ", "), t.Keys, example)
}

// flagValue is a flag's value for viper: the text of a single value, the values of a
// repeatable flag.
func flagValue(fl *pflag.Flag) any {
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		return sv.GetSlice()
	}
	return fl.Value.String()
}

// scalar reports whether a value read by viper is a single value (or unset).
func scalar(v any) bool {
	switch v.(type) {
	case []any, []string, map[string]any, map[any]any:
		return false
	}
	return true
}

// itemsOf reads a List setting's value: text (comma-separated), a list (a repeatable flag's
// values, or a YAML list whose entries are text or mappings), or a YAML mapping.
func itemsOf(v any) ([]Item, error) {
	if m, ok := asMap(v); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []Item
		for _, k := range keys {
			if !scalar(m[k]) {
				return nil, fmt.Errorf("the value of %s must be a single value, not a list or a map", k)
			}
			out = append(out, Item{Text: strings.TrimSpace(k) + "=" + strings.TrimSpace(cast.ToString(m[k]))})
		}
		return out, nil
	}
	var entries []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []string:
		for _, s := range x {
			entries = append(entries, s)
		}
	case []any:
		entries = x
	default:
		return textItems(cast.ToString(x)), nil
	}
	var out []Item
	for i, e := range entries {
		if m, ok := asMap(e); ok {
			fields := make(map[string]string, len(m))
			for k, val := range m {
				if !scalar(val) {
					return nil, fmt.Errorf("entry %d: the value of %s must be a single value, not a list or a map", i+1, k)
				}
				fields[k] = strings.TrimSpace(cast.ToString(val))
			}
			out = append(out, Item{Fields: fields})
			continue
		}
		if !scalar(e) {
			return nil, fmt.Errorf("entry %d is a list inside the list", i+1)
		}
		out = append(out, textItems(cast.ToString(e))...)
	}
	return out, nil
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			out[fmt.Sprint(k)] = val
		}
		return out, true
	}
	return nil, false
}

func textItems(raw string) []Item {
	var out []Item
	for _, s := range Split(raw) {
		out = append(out, Item{Text: s})
	}
	return out
}

// ParseBool parses a boolean setting, saying what is accepted when it cannot.
func ParseBool(raw string) (bool, error) {
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean (accepted: true, false)", raw)
	}
	return b, nil
}

// Split splits a comma-separated value, trimming the parts and dropping empty ones.
func Split(raw string) []string {
	var out []string
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
