package verifier

import (
	"context"
	"io"

	"github.com/containerd/log"
	"github.com/sirupsen/logrus"
)

// withContainerdLog routes what containerd's libraries log through ctx
// (hosts.toml parsing: "host will try HTTPS first", "failed to decode
// hosts.toml") to l: errors and warnings as warnings, the rest at Debug, so
// the verifier's stderr keeps one line per decision.
func withContainerdLog(ctx context.Context, l logrus.FieldLogger) context.Context {
	inner := logrus.New()
	inner.SetOutput(io.Discard)
	inner.SetLevel(logrus.DebugLevel)
	inner.AddHook(forward{l})
	return log.WithLogger(ctx, logrus.NewEntry(inner))
}

type forward struct{ to logrus.FieldLogger }

func (forward) Levels() []logrus.Level { return logrus.AllLevels }

func (f forward) Fire(e *logrus.Entry) error {
	entry := f.to.WithFields(e.Data)
	if e.Level <= logrus.WarnLevel {
		entry.Warn(e.Message)
	} else {
		entry.Debug(e.Message)
	}
	return nil
}
