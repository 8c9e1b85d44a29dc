package verifier

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

// Judgement mirrors containerd's imageverifier.Judgement: OK lets the pull
// go on, Reason is one readable line.
type Judgement struct {
	OK     bool
	Reason string
}

// Outcome is everything a check found out, for commands that print the
// full report (pull, check-images) and for the audit log.
type Outcome struct {
	// Image is the name as given; Normalized names registry and tag.
	Image      string `json:"image"`
	Normalized string `json:"normalized,omitempty"`
	// Digest is the descriptor's digest (an index for multi-arch images).
	Digest string `json:"digest"`
	// Artifact is the compat artifact used, Subject what it refers to (the
	// platform manifest or the index).
	Artifact string `json:"artifact,omitempty"`
	Subject  string `json:"subject,omitempty"`
	// Report is the evaluation; nil unless compatible or incompatible.
	Report  *compat.Report `json:"report,omitempty"`
	Verdict policy.Verdict `json:"verdict"`
	// Failed are the first failing expressions, per set.
	Failed   []string        `json:"failed,omitempty"`
	Decision policy.Decision `json:"decision"`
	Duration time.Duration   `json:"-"`
	// Err is why the verdict is error (or missing: which tags left no set).
	Err error `json:"-"`
	// Why says why an image was skipped.
	Why string `json:"why,omitempty"`
	// Reason is the one-line Judgement reason.
	Reason string `json:"reason"`
}

// MarshalJSON adds duration_ms and error.
func (o *Outcome) MarshalJSON() ([]byte, error) {
	type plain Outcome
	out := struct {
		*plain
		DurationMS float64 `json:"duration_ms"`
		Error      string  `json:"error,omitempty"`
	}{plain: (*plain)(o), DurationMS: float64(o.Duration.Microseconds()) / 1000}
	if o.Err != nil {
		out.Error = o.Err.Error()
	}
	return json.Marshal(out)
}

// Judgement returns the outcome as containerd wants it.
func (o *Outcome) Judgement() Judgement { return Judgement{OK: o.Decision.Allow, Reason: o.Reason} }

const (
	maxFailuresPerSet = 3
	maxReason         = 2000
)

// failures lists the first failing expressions of every failed set, e.g.
// "set #0 gpu: pci.device: no instance with vendor=10de ...".
func failures(r *compat.Report) []string {
	if r == nil || r.Compatible {
		return nil
	}
	var out []string
	for _, s := range r.Sets {
		f := s.Failures()
		if extra := len(f) - maxFailuresPerSet; extra > 0 {
			f = append(f[:maxFailuresPerSet:maxFailuresPerSet], "+"+strconv.Itoa(extra)+" more")
		}
		out = append(out, setName(s.SetRef)+": "+strings.Join(f, "; "))
	}
	return out
}

func setName(s compat.SetRef) string {
	n := "set #" + strconv.Itoa(s.Index)
	if s.Tag != "" {
		n += " " + s.Tag
	}
	return n
}

// reason builds the one-line reason, e.g. "nfd-compat: docker.io/x/app:v1
// is incompatible with this host (set #0 gpu: ...); refused by mode=enforce".
func (o *Outcome) reason() string {
	var b strings.Builder
	b.WriteString("nfd-compat: ")
	b.WriteString(o.Image)
	switch o.Verdict {
	case policy.Skipped:
		b.WriteString(" not checked (" + o.Why + "); allowed")
		return b.String()
	case policy.Compatible:
		b.WriteString(" is compatible with this host (")
		if bs := o.Report.BestSet; bs != nil {
			b.WriteString("best " + setName(*bs) + " weight=" + strconv.Itoa(bs.Weight) + ", ")
		}
		b.WriteString("artifact " + short(o.Artifact) + ")")
	case policy.Incompatible:
		b.WriteString(" is incompatible with this host (" + strings.Join(o.Failed, " | ") + ")")
	case policy.Missing:
		if o.Err != nil {
			b.WriteString(" has no applicable compatibility set (" + o.Err.Error() + ")")
		} else {
			b.WriteString(" has no compatibility artifact")
		}
	default:
		msg := "unknown error"
		if o.Err != nil {
			msg = o.Err.Error()
		}
		b.WriteString(" could not be checked (" + oneLine(msg) + ")")
	}
	// containerd copies the reason into ctr's error and kubelet events: the
	// image name and the spec's tags and rule names must not reach a
	// terminal as control characters.
	s := safetext.Escape(b.String())
	tail := "; " + o.Decision.String()
	if len(s)+len(tail) > maxReason {
		cut := maxReason - len(tail) - 4
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + " ..."
	}
	return s + tail
}

func short(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
