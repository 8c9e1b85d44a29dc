//go:build !linux

package client

import (
	"errors"
	"net"
)

// peerUID: peer credentials are read on Linux only; elsewhere no daemon is trusted.
func peerUID(*net.UnixConn) (int, error) {
	return 0, errors.New("no peer credentials on this platform")
}
