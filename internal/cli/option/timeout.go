package option

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Timeout is the --timeout flag: a bound on the whole command, so a registry
// that stops answering cannot hang it.
type Timeout struct {
	Value time.Duration
}

// AddFlags registers the flag with its default.
func (o *Timeout) AddFlags(fs *pflag.FlagSet, def time.Duration) {
	fs.DurationVar(&o.Value, "timeout", def, "give up after this long (0: never)")
}

// Check refuses a negative timeout, which would otherwise end the command
// at once with "context deadline exceeded".
func (o *Timeout) Check() error {
	if o.Value < 0 {
		return fmt.Errorf("--timeout %s: give a positive duration such as 30s, or 0 for no limit", o.Value)
	}
	return nil
}

// Run calls fn with a context bounded by the timeout and says which flag to
// raise when it ran out.
func (o *Timeout) Run(ctx context.Context, fn func(context.Context) error) error {
	if err := o.Check(); err != nil {
		return err
	}
	if o.Value == 0 {
		return fn(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Value)
	defer cancel()
	err := fn(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return target.GaveUp(o.Value, err)
	}
	return err
}
