package verifier

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

// AuditFile is the audit log's name under cache_dir.
const AuditFile = "audit.jsonl"

// MaxAuditSize is the size at which audit.jsonl is renamed to
// audit.jsonl.1 (replacing the previous one) and a new file started.
const MaxAuditSize = 16 << 20

// auditLog appends one JSON line per decision. The file is opened with
// O_APPEND for every line and the line is written with a single write, so
// lines from concurrent verifier processes never interleave.
type auditLog struct {
	path string    // "" when w is set
	w    io.Writer // set by Options.Audit
	mu   sync.Mutex
	log  logrus.FieldLogger
	warn sync.Once
}

// newAuditLog appends to w, else to dir/audit.jsonl; with neither (an
// untrusted cache_dir) decisions are only logged.
func newAuditLog(dir string, w io.Writer, log logrus.FieldLogger) *auditLog {
	switch {
	case w != nil:
		return &auditLog{w: w, log: log}
	case dir == "":
		return &auditLog{w: io.Discard, log: log}
	}
	return &auditLog{path: filepath.Join(dir, AuditFile), log: log}
}

func (a *auditLog) append(line []byte) {
	line = append(line, '\n')
	if a.w != nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		_, _ = a.w.Write(line)
		return
	}
	err := func() error {
		if fi, err := os.Lstat(a.path); err == nil && fi.Mode().IsRegular() && fi.Size() >= MaxAuditSize {
			// Several processes may rotate at once: each rename is atomic,
			// and a line appended to the old file just before lands in .1.
			_ = os.Rename(a.path, a.path+".1")
		}
		// Never through a planted link (O_NOFOLLOW), only to our own file.
		return cache.AppendFile(a.path, line)
	}()
	if err != nil {
		a.warn.Do(func() {
			a.log.WithError(err).Warnf("nfd-compat: cannot append to the audit log %s; decisions are only logged (`nfd-compat doctor` checks cache_dir)", a.path)
		})
	}
}

// AuditEntry is one line of audit.jsonl.
type AuditEntry struct {
	Time       string   `json:"time"`
	Image      string   `json:"image"`
	Normalized string   `json:"normalized,omitempty"`
	Digest     string   `json:"digest"`
	Artifact   string   `json:"artifact,omitempty"`
	Subject    string   `json:"subject,omitempty"`
	Verdict    string   `json:"verdict"`
	Failed     []string `json:"failed,omitempty"`
	Decision   string   `json:"decision"`
	By         string   `json:"by"`
	Warn       bool     `json:"warn,omitempty"`
	DurationMS float64  `json:"duration_ms"`
	Error      string   `json:"error,omitempty"`
	Why        string   `json:"why,omitempty"`
	Reason     string   `json:"reason"`
}

// record logs the decision as one structured line and appends it to the
// audit log.
func (v *Verifier) record(ctx context.Context, o *Outcome) {
	log := v.logFor(ctx)
	fields := logrus.Fields{
		"image":       o.Image,
		"digest":      o.Digest,
		"verdict":     string(o.Verdict),
		"decision":    o.Decision.Action(),
		"by":          o.Decision.By,
		"duration_ms": fmt.Sprintf("%.1f", float64(o.Duration.Microseconds())/1000),
	}
	if o.Artifact != "" {
		fields["artifact"] = o.Artifact
	}
	if len(o.Failed) > 0 {
		fields["failed"] = strings.Join(o.Failed, " | ")
	}
	if o.Err != nil {
		fields["error"] = o.Err.Error()
	}
	entry := log.WithFields(fields)
	switch {
	case !o.Decision.Allow:
		entry.Warn(o.Reason)
	case o.Decision.Warn:
		entry.Warn(o.Reason)
	default:
		entry.Info(o.Reason)
	}
	if v.opts.Observer != nil {
		v.opts.Observer.ObserveDecision(metrics.Decision{Mode: string(v.pol.Mode), Verdict: string(o.Verdict),
			Allow: o.Decision.Allow, Warn: o.Decision.Warn, Duration: o.Duration, Err: o.Err})
	}
	ae := AuditEntry{
		Time: time.Now().UTC().Format(time.RFC3339Nano), Image: o.Image, Normalized: o.Normalized, Digest: o.Digest,
		Artifact: o.Artifact, Subject: o.Subject, Verdict: string(o.Verdict), Failed: o.Failed,
		Decision: o.Decision.Action(), By: o.Decision.By, Warn: o.Decision.Warn,
		DurationMS: float64(o.Duration.Microseconds()) / 1000, Why: o.Why, Reason: o.Reason,
	}
	if o.Err != nil {
		ae.Error = o.Err.Error()
	}
	line, err := json.Marshal(ae)
	if err != nil {
		log.WithError(err).Warn("nfd-compat: cannot encode audit entry")
		return
	}
	v.audit.append(line)
}

func stderr() io.Writer { return os.Stderr }
