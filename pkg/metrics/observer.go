package metrics

import "time"

// Decision is what an Observer learns of one decision.
type Decision struct {
	// Mode is the policy mode (enforce, warn, off).
	Mode string
	// Verdict is the check's verdict (compatible, incompatible, missing,
	// error, skipped).
	Verdict string
	// Allow and Warn are the policy decision.
	Allow, Warn bool
	// Duration is what the decision took.
	Duration time.Duration
	// Err is why the verdict is error; nil otherwise.
	Err error
}

// Action is the decision label: allow, warn or deny.
func (d Decision) Action() string {
	switch {
	case !d.Allow:
		return "deny"
	case d.Warn:
		return "warn"
	}
	return "allow"
}

// Observer is told of every decision. It must be safe for concurrent use
// and must not block the decision for long.
type Observer interface {
	ObserveDecision(Decision)
}
