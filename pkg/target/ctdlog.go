package target

import (
	"context"
	"io"
	"os"

	"github.com/containerd/log"
	"github.com/sirupsen/logrus"
)

// withContainerdLog is ctx with the logger containerd's libraries take from
// it (log.G: hosts.toml parsing says "host will try HTTPS first ...",
// "failed to decode hosts.toml"), made from Options.Log and nothing else
// in ctx. With to set, their warnings and errors reach it as warnings and
// the rest at Debug, so a caller's log keeps its own shape (the verifier's
// one line per decision). With to nil, warnings and errors go to stderr and
// the informational messages (on every localhost registry) nowhere.
func withContainerdLog(ctx context.Context, to logrus.FieldLogger) context.Context {
	l := logrus.New()
	if to == nil {
		l.SetOutput(os.Stderr)
		l.SetLevel(logrus.WarnLevel)
	} else {
		l.SetOutput(io.Discard)
		l.SetLevel(logrus.DebugLevel)
		l.AddHook(forward{to})
	}
	return log.WithLogger(ctx, logrus.NewEntry(l))
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
