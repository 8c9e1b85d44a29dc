//go:build unix && !linux

package client

import "syscall"

// dupToStdin makes fd 0 a copy of fd.
func dupToStdin(fd int) error { return syscall.Dup2(fd, 0) }
