package compat

// Report is the outcome of evaluating a spec against one host.
type Report struct {
	Compatible bool `json:"compatible"`
	// BestSet is the passing set with the highest weight; ties go to the first
	// in spec order. Nil when no set passes.
	BestSet *SetRef     `json:"bestSet,omitempty"`
	Sets    []SetReport `json:"sets"`
}

// SetRef identifies a compatibility set of the spec.
type SetRef struct {
	// Index is the set's position in the spec, counting sets filtered out by tags.
	Index       int    `json:"index"`
	Tag         string `json:"tag,omitempty"`
	Weight      int    `json:"weight"`
	Description string `json:"description,omitempty"`
}

// SetReport is the outcome of one considered compatibility set.
type SetReport struct {
	SetRef
	IsMatch bool         `json:"isMatch"`
	Rules   []RuleReport `json:"rules"`
}

// RuleReport is the outcome of one rule of a set.
type RuleReport struct {
	Name string `json:"name"`
	// IsMatch is NFD's verdict for the rule.
	IsMatch     bool             `json:"isMatch"`
	Expressions []ExprReport     `json:"expressions,omitempty"`
	MatchAny    []MatchAnyReport `json:"matchAny,omitempty"`
	// Error is set when NFD could not evaluate the rule; the rule then fails.
	Error string `json:"error,omitempty"`
}

// MatchAnyReport is the outcome of one element of a rule's matchAny.
type MatchAnyReport struct {
	IsMatch     bool         `json:"isMatch"`
	Expressions []ExprReport `json:"expressions,omitempty"`
}

// Matcher types, spelled as upstream's node-validator reports them.
const (
	MatchExpressionType = "matchExpression"
	MatchNameType       = "matchName"
)

// ExprReport is the outcome of one expression of a feature matcher term.
type ExprReport struct {
	// Feature is the feature the term matches against, e.g. kernel.version.
	Feature string `json:"feature"`
	// Key is the element name (e.g. major), empty for matchName.
	Key         string   `json:"key,omitempty"`
	MatcherType string   `json:"matcherType"`
	Op          string   `json:"op"`
	Value       []string `json:"value,omitempty"`
	Type        string   `json:"type,omitempty"`
	IsMatch     bool     `json:"isMatch"`
	// Host says what the host has instead, for failed expressions only.
	Host string `json:"host,omitempty"`
}
