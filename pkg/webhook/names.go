package webhook

import (
	"strings"
	"time"
)

// Names the webhook writes.
const (
	// DecisionAnnotation on a pod holds the webhook's decision as JSON
	// (a Decision).
	DecisionAnnotation = "compat.nfd-compat.io/placement"
	// ArtifactLabel on a NodeFeatureRule is its artifact's digest (hex,
	// cut to a label value's 63 characters); ArtifactAnnotation is the
	// whole digest and ImageAnnotation the image it was first seen for.
	ArtifactLabel      = "compat.nfd-compat.io/artifact"
	ArtifactAnnotation = "compat.nfd-compat.io/artifact"
	ImageAnnotation    = "compat.nfd-compat.io/image"
	// LastUsedAnnotation on a NodeFeatureRule is when the webhook last
	// applied it for an admitted pod (RFC 3339, UTC); the rule garbage
	// collector (RuleGC) keeps a rule younger than its grace by it.
	LastUsedAnnotation = "compat.nfd-compat.io/last-used"
)

// LastUsedResolution is the step of LastUsedAnnotation: a rule in use
// changes (and nfd-master re-evaluates it) at most once per step, not at
// every cache TTL's apply; its last use reads up to a step early.
const LastUsedResolution = 5 * time.Minute

// ruleDigestChars is how much of the artifact digest names a rule and its
// labels: 96 bits.
const ruleDigestChars = 24

// RuleRepository is the schedule.Options.Repository the webhook generates
// an artifact's rule with: ALGO-HEX[:24], so the rule is named
// nfd-compat-sha256-<24 hex> and its set labels
// <prefix>/sha256-<24 hex>.<set>, shared by every image (and tag, and
// mirror) carrying the same artifact.
func RuleRepository(artifactDigest string) string {
	algo, hex, ok := strings.Cut(artifactDigest, ":")
	if !ok {
		return artifactDigest
	}
	return algo + "-" + hex[:min(len(hex), ruleDigestChars)]
}

func labelValue(s string) string { return s[:min(len(s), 63)] }
