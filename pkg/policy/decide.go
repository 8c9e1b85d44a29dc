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

// ByInvalid is the Decision.By of a refusal by an invalid policy.
const ByInvalid = "invalid policy (mode=enforce fails closed)"

// Decide applies the policy to a verdict: mode off and skipped images
// (exclude, include) are allowed; compatible images are allowed;
// incompatible ones are refused in enforce mode; missing and error follow
// on_missing and on_error. Warn mode never refuses: what enforce would
// refuse is allowed with Warn set.
//
// An invalid policy (Invalid, from a stanza with bad values, whose bad keys
// are at their defaults) refuses every checked image in enforce mode
// (ByInvalid; a bad mode counts as the default, enforce), and in warn mode
// decides as above with Warn always set; mode off and skipped images are
// allowed as ever, so an excluded image is never blocked by it.
func (p *Policy) Decide(v Verdict) Decision {
	mode := "mode=" + string(p.Mode)
	switch {
	case p.Mode == ModeOff:
		return Decision{Allow: true, By: mode}
	case v == Skipped:
		return Decision{Allow: true, By: "policy (image not checked)"}
	case p.invalid != nil && p.Mode == ModeEnforce:
		return Decision{Allow: false, By: ByInvalid}
	case p.invalid != nil:
		d := p.decide(v, mode)
		d.Warn, d.By = true, d.By+"; the policy is invalid, its bad keys at their defaults"
		return d
	}
	return p.decide(v, mode)
}

func (p *Policy) decide(v Verdict, mode string) Decision {
	if v == Compatible {
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
