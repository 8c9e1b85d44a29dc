//go:build !linux

package server

import (
	"errors"
	"net"
)

// peerUID: peer credentials are read on Linux only; elsewhere nobody is served.
func peerUID(*net.UnixConn) (int, error) {
	return 0, errors.New("peer credentials are not available on this platform")
}
