package testlog

import (
	"bytes"
	"context"

	"github.com/containerd/log"
	"github.com/sirupsen/logrus"
)

// Buffer returns a logger at level whose output is the returned buffer.
func Buffer(level logrus.Level) (*logrus.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	l := logrus.New()
	l.SetOutput(&buf)
	l.SetLevel(level)
	return l, &buf
}

// Context returns ctx carrying, as containerd's log.G finds it, a debug
// logger whose output is the returned buffer: for asserting that nothing
// logs to the caller's logger.
func Context(ctx context.Context) (context.Context, *bytes.Buffer) {
	l, buf := Buffer(logrus.DebugLevel)
	return log.WithLogger(ctx, logrus.NewEntry(l)), buf
}
