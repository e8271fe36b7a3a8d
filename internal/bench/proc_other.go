//go:build !linux

package bench

import "syscall"

// sysProcAttr puts a server in its own process group (see proc_linux.go; elsewhere a server
// may outlive a harness that is killed).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
