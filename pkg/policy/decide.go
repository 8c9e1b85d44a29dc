package policy

// Verdict is what a check found out about an image.
type Verdict string

// Verdicts.
const (
	// Compatible: the host passes at least one considered set.
	Compatible Verdict = "compatible"
	// Incompatible: the host passes no considered set.
	Incompatible Verdict = "incompatible"
	// Missing: no compatibility artifact, or no set left after tags.
	Missing Verdict = "missing"
	// Error: the check could not finish (registry, timeout, bad artifact).
	Error Verdict = "error"
	// Skipped: not checked (mode=off, exclude, include).
	Skipped Verdict = "skipped"
)

// Decision is what the policy does with a verdict.
type Decision struct {
	// Allow lets the pull go on.
	Allow bool `json:"allow"`
	// Warn is set when an operator should hear about an allowed pull: the
	// enforce-mode decision would have refused it, or it was allowed
	// without a check because of an error.
	Warn bool `json:"warn,omitempty"`
	// By names the setting that decided, e.g. "mode=enforce",
	// "on_missing=allow", "mode=warn (on_error=deny would refuse)".
	By string `json:"by"`
}

// String is "allowed by X" or "refused by X".
func (d Decision) String() string {
	if d.Allow {
		return "allowed by " + d.By
	}
	return "refused by " + d.By
}

// Action returns "allow" or "deny".
func (d Decision) Action() string {
	if d.Allow {
		return string(Allow)
	}
	return string(Deny)
}

// Decide applies the policy to a verdict: mode off and skipped images are
// allowed; compatible images are allowed; incompatible ones are refused in
// enforce mode; missing and error follow on_missing and on_error. Warn mode
// never refuses: what enforce would refuse is allowed with Warn set.
func (p *Policy) Decide(v Verdict) Decision {
	mode := "mode=" + string(p.Mode)
	switch {
	case p.Mode == ModeOff:
		return Decision{Allow: true, By: mode}
	case v == Skipped:
		return Decision{Allow: true, By: "policy (image not checked)"}
	case v == Compatible:
		return Decision{Allow: true, By: mode}
	}
	var by string
	var allow bool
	switch v {
	case Incompatible:
		by, allow = mode, false
	case Missing:
		by, allow = "on_missing="+string(p.OnMissing), p.OnMissing != Deny
	default: // Error, and anything unknown: treat as an error.
		by, allow = "on_error="+string(p.OnError), p.OnError != Deny
	}
	if allow {
		// An error allowed by on_error=allow is still worth a warning: the
		// image went unchecked.
		return Decision{Allow: true, Warn: v == Error, By: by}
	}
	if p.Mode == ModeWarn {
		if by == mode {
			return Decision{Allow: true, Warn: true, By: "mode=warn (mode=enforce would refuse)"}
		}
		return Decision{Allow: true, Warn: true, By: "mode=warn (" + by + " would refuse)"}
	}
	return Decision{Allow: false, By: by}
}
