package settings

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

// toy is a configuration with one setting of each kind.
type toy struct {
	Name  string
	On    bool
	N     int
	Wait  time.Duration
	Items []Item
}

var toyTable = Table[toy]{Keys: "the names in lower case", ConfigEnv: "TOY_CONFIG", Settings: []Setting[toy]{
	{Env: "TOY_NAME", Key: "name", Flag: "name", Default: "anon", Usage: "a name",
		Apply: func(c *toy, raw string) error { c.Name = raw; return nil }},
	{Env: "TOY_ON", Key: "on", Flag: "on", Kind: Bool, Default: "false", Usage: "a switch",
		Apply: func(c *toy, raw string) (err error) { c.On, err = strconv.ParseBool(raw); return err }},
	{Env: "TOY_N", Key: "n", Flag: "n", Kind: Int, Default: "3", Usage: "a number from 0 to 9",
		Apply: func(c *toy, raw string) (err error) {
			if c.N, err = strconv.Atoi(raw); err == nil && (c.N < 0 || c.N > 9) {
				err = fmt.Errorf("%q is out of range", raw)
			}
			return err
		}},
	{Env: "TOY_WAIT", Key: "wait", Kind: Duration, Default: "1s", Usage: "env or file only",
		Apply: func(c *toy, raw string) (err error) { c.Wait, err = time.ParseDuration(raw); return err }},
	{Env: "TOY_ITEMS", Key: "items", Flag: "item", Kind: List, Usage: "items",
		ApplyList: func(c *toy, items []Item) error { c.Items = items; return nil }},
}}

func parse(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("toy", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	toyTable.RegisterFlags(fs, nil, nil)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func write(t *testing.T, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "toy.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestLayers: flags > environment > config file > defaults, setting by setting; the file may
// be named by ConfigEnv; an empty variable is unset.
func TestLayers(t *testing.T) {
	t.Parallel()
	got, err := toyTable.Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(toy{Name: "anon", N: 3, Wait: time.Second}, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	file := write(t, "name: file\nn: 4\nwait: 2s\non: true\n")
	got, err = toyTable.Load(Sources{
		Flags:  parse(t, "--n", "6"),
		Getenv: env(map[string]string{"TOY_CONFIG": file, "TOY_N": "5", "TOY_WAIT": "3s", "TOY_NAME": ""}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(toy{Name: "file", On: true, N: 6, Wait: 3 * time.Second}, got); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	if _, err := toyTable.Load(Sources{Flags: parse(t, "--config", filepath.Join(t.TempDir(), "none.yaml")),
		Getenv: env(map[string]string{"TOY_CONFIG": file})}); err == nil {
		t.Error("--config does not win over TOY_CONFIG")
	}
}

// TestLists: a repeatable flag, a comma-separated variable, and in the file text, a list
// (whose entries may be mappings) or a mapping of key=value items.
func TestLists(t *testing.T) {
	t.Parallel()
	texts := func(s ...string) []Item {
		var out []Item
		for _, x := range s {
			out = append(out, Item{Text: x})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		src  Sources
		want []Item
	}{
		{"flags", Sources{Flags: parse(t, "--item", "a=1", "--item", "b=2, c=3")}, texts("a=1", "b=2", "c=3")},
		{"env", Sources{Getenv: env(map[string]string{"TOY_ITEMS": "a, ,b"})}, texts("a", "b")},
		{"file text", Sources{File: write(t, "items: a,b\n")}, texts("a", "b")},
		{"file mapping", Sources{File: write(t, "items: {b: 2, a: 1}\n")}, texts("a=1", "b=2")},
		{"file list", Sources{File: write(t, "items:\n  - a\n  - {k: v, n: 1}\n  - 7\n")},
			[]Item{{Text: "a"}, {Fields: map[string]string{"k": "v", "n": "1"}}, {Text: "7"}}},
	} {
		got, err := toyTable.Load(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got.Items); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestErrorsNameWhatWasWritten: the flag, the variable or the file's key; every error at once.
func TestErrorsNameWhatWasWritten(t *testing.T) {
	t.Parallel()
	file := write(t, "n: 11\nname: [a, b]\n")
	for _, tc := range []struct {
		name string
		src  Sources
		want []string
	}{
		{"flag", Sources{Flags: parse(t, "--n", "12"), Getenv: env(map[string]string{"TOY_N": "13"})}, []string{`--n: "12" is out of range`}},
		{"env", Sources{Getenv: env(map[string]string{"TOY_N": "13", "TOY_WAIT": "soon"})}, []string{`TOY_N: "13" is out of range`, "TOY_WAIT: "}},
		{"file", Sources{File: file}, []string{`n in ` + file + `: "11" is out of range`, "name in " + file + ": must be a single value"}},
		{"unknown key", Sources{File: write(t, "nn: 1\nname: x\n")}, []string{"unknown keys nn (keys are the names in lower case, e.g. name)"}},
	} {
		_, err := toyTable.Load(tc.src)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want %q", tc.name, err, w)
			}
		}
	}
	fs := pflag.NewFlagSet("toy", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	toyTable.RegisterFlags(fs, nil, nil)
	if err := fs.Parse([]string{"--n", "abc"}); err == nil || !strings.Contains(err.Error(), `"--n"`) {
		t.Errorf("--n abc: %v, want the flag's type to refuse it", err)
	}
}

// TestRegisterFlags: each flag of its kind, only those asked for, with a command's defaults;
// settings without a flag have none.
func TestRegisterFlags(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("toy", pflag.ContinueOnError)
	toyTable.RegisterFlags(fs, nil, nil)
	for flag, typ := range map[string]string{"name": "string", "on": "bool", "n": "int", "item": "stringArray", "config": "string"} {
		if f := fs.Lookup(flag); f == nil || f.Value.Type() != typ {
			t.Errorf("--%s: %+v, want a %s", flag, f, typ)
		}
	}
	if f := fs.Lookup("config"); !strings.Contains(f.Usage, "TOY_CONFIG") || !strings.Contains(f.Usage, "the names in lower case") {
		t.Errorf("--config usage %q", f.Usage)
	}
	if f := fs.Lookup("n"); f.DefValue != "3" || !strings.Contains(f.Usage, "(env TOY_N)") {
		t.Errorf("--n: default %q, usage %q", f.DefValue, f.Usage)
	}
	if fs.Lookup("wait") != nil {
		t.Error("a setting without a flag has one")
	}
	some := pflag.NewFlagSet("toy", pflag.ContinueOnError)
	toyTable.RegisterFlags(some, []string{"TOY_N"}, map[string]string{"TOY_N": "7"})
	if some.Lookup("name") != nil || some.Lookup("n").DefValue != "7" {
		t.Error("envs or defaults not honoured")
	}
}

func TestFieldsAndEnvOnly(t *testing.T) {
	t.Parallel()
	fields := toyTable.Fields()
	if len(fields) != 5 || fields[2] != (Field{Env: "TOY_N", Key: "n", Flag: "n", Default: "3", Usage: "a number from 0 to 9", Kind: Int}) {
		t.Errorf("fields %+v", fields)
	}
	only := EnvOnly(append(fields, Field{Env: "TOY_SECRET", Secret: true}))
	if len(only) != 2 || only[0].Env != "TOY_SECRET" || only[1].Env != "TOY_WAIT" {
		t.Errorf("env only: %+v", only)
	}
}
