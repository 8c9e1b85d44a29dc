package policy

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written as a Go duration string ("5s",
// "10m") in TOML and JSON, as containerd's own durations are.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String prints d as Go does, e.g. "5s".
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q: write a Go duration such as \"5s\", \"500ms\" or \"10m\"", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText prints d as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
