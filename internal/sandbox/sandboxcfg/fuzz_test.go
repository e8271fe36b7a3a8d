package sandboxcfg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad gives one of the sandbox's settings an arbitrary value through the environment,
// with an arbitrary config file beside it. Load must never panic, and a refused value must be
// refused with an error that names what was wrong: the setting, or the file.
func FuzzLoad(f *testing.F) {
	file := filepath.Join(f.TempDir(), "sandbox.yaml")
	values := []string{"", " ", "0", "-1", "1", "abc", "1e9", "NaN", "1h", "10ms", "5", "999999999999999999999",
		"0.0.0.0:8000", "127.0.0.1:0", ":80", "a:b", "a:b,c", "demo:pw:x", "500:0.5", "500:2", "x=1", "\x00", "ünïcode"}
	for i, fd := range table.Settings {
		f.Add(uint8(i), fd.Default, []byte(nil))
		for _, v := range values {
			f.Add(uint8(i), v, []byte(nil))
		}
	}
	for _, y := range []string{"addr: 127.0.0.1:9000\n", "users: [{username: a, password: 'b:c'}]\n", "users: {a: b}\n",
		"latency: 5\n", "unknown: 1\n", "seed: [1]\n", "- a\n", "{", "~"} {
		f.Add(uint8(0), "", []byte(y))
	}
	f.Fuzz(func(t *testing.T, index uint8, value string, data []byte) {
		fd := table.Settings[int(index)%len(table.Settings)]
		src := Sources{Getenv: func(k string) string {
			if k == fd.Env {
				return value
			}
			return ""
		}}
		if len(data) > 0 {
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			src.File = file
		}
		_, err := Load(src)
		if err == nil {
			return
		}
		msg := err.Error()
		if src.File == "" && !strings.Contains(msg, fd.Env) && !strings.Contains(msg, "addr") {
			t.Errorf("%s=%q refused without naming it: %v", fd.Env, value, err)
		}
	})
}
