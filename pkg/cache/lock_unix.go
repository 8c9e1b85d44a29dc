//go:build unix

package cache

import (
	"errors"
	"os"
	"syscall"
)

const osLockFlags = os.O_RDWR | os.O_CREATE

// tryLock takes f's flock without waiting; false when another holds it.
func tryLock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, syscall.EINTR):
			continue
		}
		return false, err
	}
}
