package bench

import "syscall"

// sysProcAttr puts a server in its own process group, so that a Ctrl-C at the terminal
// reaches the harness, which stops its servers in order, rather than every process at once.
// Should the harness die without stopping them (killed, or a test binary at its timeout), the
// kernel sends them SIGTERM: no server outlives its harness on a shared machine.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
