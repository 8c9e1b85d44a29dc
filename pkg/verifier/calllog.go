package verifier

import (
	"context"

	"github.com/sirupsen/logrus"
)

type callLogKey struct{}

// WithLog returns ctx carrying l: a decision made under it logs its
// structured line (and its feature and artifact messages) to l instead of
// the Verifier's Options.Log. The resident bindir verifier gives each call
// its own logger, so a call's stderr is what the one-shot verifier's would
// have been.
func WithLog(ctx context.Context, l logrus.FieldLogger) context.Context {
	return context.WithValue(ctx, callLogKey{}, l)
}

// logFor is the logger of a call: WithLog's, else the Verifier's.
func (v *Verifier) logFor(ctx context.Context) logrus.FieldLogger {
	if l, ok := ctx.Value(callLogKey{}).(logrus.FieldLogger); ok && l != nil {
		return l
	}
	return v.log
}
