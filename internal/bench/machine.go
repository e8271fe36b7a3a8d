package bench

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// Machine describes where a run happened.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemoryGB string `json:"memory_gb"`
	OS       string `json:"os"`
	Kernel   string `json:"kernel"`
	Load     string `json:"load_average"`
	// FileLimit is the harness's open-file limit (soft/hard) after RaiseFileLimit.
	FileLimit string `json:"file_limit"`
}

// Versions are the versions of everything measured.
type Versions struct {
	JanaMCP     string `json:"jana_mcp"`
	Go          string `json:"go"`
	GoSDK       string `json:"go_sdk"`
	Node        string `json:"node,omitempty"`
	TSSDK       string `json:"ts_sdk,omitempty"`
	Peer        string `json:"peer,omitempty"`
	Echo        string `json:"echo"`
	ServerBuild string `json:"server_build"`
}

// DescribeMachine reads /proc and /etc/os-release (Linux; fields stay empty elsewhere).
func DescribeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPU = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
		m.MemoryGB = strconv.FormatFloat(kb/(1<<20), 'f', 1, 64)
	}
	if v := procField("/etc/os-release", "PRETTY_NAME="); v != "" {
		m.OS = strings.Trim(v, `"`) + " (" + m.OS + ")"
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		m.FileLimit = strconv.FormatUint(lim.Cur, 10) + "/" + strconv.FormatUint(lim.Max, 10)
	}
	return m
}

// procField returns the value of the first line starting with key in a "key: value" or
// "KEY=value" file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, key) {
			continue
		}
		rest := strings.TrimPrefix(line, key)
		rest = strings.TrimLeft(rest, " \t:")
		return strings.TrimSpace(rest)
	}
	return ""
}

// RaiseFileLimit sets the soft open-file limit to the hard one and returns the new soft
// limit. Go does this at start-up already (since 1.19); doing it here makes the figure the
// harness depends on explicit, and a smaller hard limit a clear error for idle runs.
func RaiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}

// moduleVersion returns a dependency's version from the harness's build information.
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range info.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// DescribeVersions fills in what the harness knows; Node fields come from Node.
func DescribeVersions(ctx context.Context, root, janaMCP string) Versions {
	v := Versions{
		Go:    runtime.Version(),
		GoSDK: moduleVersion("github.com/modelcontextprotocol/go-sdk"),
		Echo:  moduleVersion("github.com/labstack/echo/v4"),
	}
	cmd := exec.CommandContext(ctx, "git", "describe", "--tags", "--always", "--dirty")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		v.JanaMCP = strings.TrimSpace(string(out))
	}
	if janaMCP != "" {
		if out, err := exec.CommandContext(ctx, janaMCP, "version").Output(); err == nil {
			v.ServerBuild = strings.TrimSpace(string(out))
		}
	}
	return v
}
