package option

import (
	"io"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"

	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

// Log is the -v/--verbose flag.
type Log struct {
	Verbose bool
}

// AddFlags registers the flag.
func (o *Log) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "log discovery details (sources that failed, NFD's own messages) to stderr")
}

// Logger returns a logger writing to w: warnings only, debug with --verbose.
func (o *Log) Logger(w io.Writer) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(w)
	l.SetLevel(logrus.WarnLevel)
	if o.Verbose {
		l.SetLevel(logrus.DebugLevel)
	}
	l.AddHook(redactHook{})
	return l
}

// redactHook keeps credentials and control characters out of log lines:
// -v logs registry errors, whose bodies a registry may fill with the
// request's Authorization header.
type redactHook struct{}

func (redactHook) Levels() []logrus.Level { return logrus.AllLevels }

func (redactHook) Fire(e *logrus.Entry) error {
	e.Message = safetext.EscapeText(safetext.Redact(e.Message))
	for k, v := range e.Data {
		switch v := v.(type) {
		case error:
			e.Data[k] = safetext.ErrorText(v)
		case string:
			e.Data[k] = safetext.Line(v)
		}
	}
	return nil
}
