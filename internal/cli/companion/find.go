package companion

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrMissing is returned when a command's companion executable is found
// neither next to nfd-compat nor on $PATH.
var ErrMissing = errors.New("companion executable not found")

// Find returns the path of the companion executable name: the one in the
// directory of self (nfd-compat's own executable, symbolic links resolved
// as os.Executable does), else the one $PATH finds. Next to self comes
// first so that a nfd-compat runs the companion it was installed with.
func Find(self, name string) (string, error) {
	var next string
	if self != "" {
		next = filepath.Join(filepath.Dir(self), name)
		if fi, err := os.Stat(next); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return next, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	where := "on $PATH"
	if next != "" {
		where = "at " + next + " nor on $PATH"
	}
	return "", fmt.Errorf("%w: %s, found neither %s", ErrMissing, name, where)
}
