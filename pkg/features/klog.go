package features

import (
	"io"

	"github.com/go-logr/logr"
	"github.com/sirupsen/logrus"
	"k8s.io/klog/v2"
)

// routeKlog sends klog's output (NFD sources log their failures through it)
// to log at Debug level, until the returned function is called, which puts
// klog back to its own default output. klog applies its own -v checks before
// calling the sink, so NFD's V(3) dumps stay off unless klog's verbosity is raised.
func routeKlog(log logrus.FieldLogger) (restore func()) {
	klog.SetLogger(logr.New(&logrusSink{log: log}))
	return klog.ClearLogger
}

// discardLogger is a FieldLogger for a nil DiscoverOptions.Log.
func discardLogger() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.SetLevel(logrus.PanicLevel)
	return l
}

// logrusSink is a logr.LogSink writing to a logrus.FieldLogger.
type logrusSink struct {
	log    logrus.FieldLogger
	name   string
	values []any
}

func (s *logrusSink) Init(logr.RuntimeInfo) {}

func (s *logrusSink) Enabled(int) bool { return true }

func (s *logrusSink) Info(level int, msg string, kv ...any) {
	s.entry(kv).WithField("v", level).Debug(msg)
}

func (s *logrusSink) Error(err error, msg string, kv ...any) {
	s.entry(kv).WithError(err).Debug(msg)
}

func (s *logrusSink) WithValues(kv ...any) logr.LogSink {
	c := *s
	c.values = append(append([]any(nil), s.values...), kv...)
	return &c
}

func (s *logrusSink) WithName(name string) logr.LogSink {
	c := *s
	if c.name != "" {
		name = c.name + "/" + name
	}
	c.name = name
	return &c
}

func (s *logrusSink) entry(kv []any) logrus.FieldLogger {
	fields := logrus.Fields{"component": "nfd"}
	if s.name != "" {
		fields["logger"] = s.name
	}
	all := append(append([]any(nil), s.values...), kv...)
	for i := 0; i+1 < len(all); i += 2 {
		if k, ok := all[i].(string); ok {
			fields[k] = all[i+1]
		}
	}
	return s.log.WithFields(fields)
}
