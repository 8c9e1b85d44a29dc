package testlog

import (
	"bytes"

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
