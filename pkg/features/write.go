package features

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Write writes f as upstream `nfd export features` prints it: the Features
// object indented with four spaces, then a newline.
func Write(w io.Writer, f *Features) error {
	if f == nil {
		return errors.New("write features: no features given")
	}
	b, err := json.MarshalIndent(f, "", "    ")
	if err != nil {
		return fmt.Errorf("encode features: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write features: %w", err)
	}
	return nil
}
