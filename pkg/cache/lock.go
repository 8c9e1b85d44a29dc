package cache

import (
	"errors"
	"fmt"
	"time"
)

// ErrLockTimeout is wrapped by Lock's error when another process held the
// lock for the whole wait.
var ErrLockTimeout = errors.New("cache lock still held by another process")

// Lock takes an exclusive advisory lock (flock) on the lock file path,
// created mode 0600 if missing, opened without following a symbolic link
// and only when it is a regular file owned by the effective user. It waits
// at most wait; unlock releases the lock. A process that dies holding it
// releases it with its file descriptors, so a lock is never left behind.
func Lock(path string, wait time.Duration) (unlock func() error, err error) {
	f, err := openNoFollow(path, osLockFlags, fileMode)
	if err != nil {
		return nil, err
	}
	if err := ownedRegular(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for pause := time.Millisecond; ; pause = min(2*pause, 20*time.Millisecond) {
		ok, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return f.Close, nil // closing the descriptor releases the lock
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s after %s: %w", path, wait, ErrLockTimeout)
		}
		time.Sleep(pause)
	}
}
