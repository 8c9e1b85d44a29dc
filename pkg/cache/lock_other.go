//go:build !unix

package cache

import (
	"errors"
	"os"
)

const osLockFlags = os.O_RDWR | os.O_CREATE

func tryLock(*os.File) (bool, error) {
	return false, errors.New("file locks need a Unix system")
}
