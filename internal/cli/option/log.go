package option

import (
	"io"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"
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
	return l
}
