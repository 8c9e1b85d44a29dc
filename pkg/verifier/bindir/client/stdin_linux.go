package client

import "syscall"

// dupToStdin makes fd 0 a copy of fd (dup3: linux/arm64 has no dup2).
func dupToStdin(fd int) error { return syscall.Dup3(fd, 0, 0) }
