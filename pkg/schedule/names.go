package schedule

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// DefaultLabelPrefix is the label key prefix of the set labels.
const DefaultLabelPrefix = "compat.nfd-compat.io"

// Lengths of the two parts of a label name "<repo>.<set>" (63 in all).
const (
	repoPartMax = 38
	setPartMax  = 24
)

// RepoName is the part of an image reference that names its repository
// without the registry, tag or digest: registry.example.com:5000/team/app:v1
// gives team/app. Mirrors of one repository share it.
func RepoName(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	parts := strings.Split(ref, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:]
	}
	return strings.Join(parts, "/")
}

// sanitize lower-cases s and keeps [a-z0-9._-], replacing anything else by
// "-", trimmed to start and end alphanumeric.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return trimEnds(b.String())
}

func trimEnds(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
}

// fit returns s when it has at most max characters, else a prefix of s and
// "-" and 8 hex digits of s's SHA-256, max characters in all, so that
// different long names stay different.
func fit(s string, max int) string {
	if len(s) <= max {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])[:8]
	head := trimEnds(s[:max-9])
	if head == "" {
		return h
	}
	return head + "-" + h
}

// repoPart is the repository's part of every label name of an image.
func repoPart(repo string) string {
	p := sanitize(strings.ReplaceAll(repo, "/", "-"))
	if p == "" {
		p = "image"
	}
	return fit(p, repoPartMax)
}

// setParts names each set: its tag, or set<index> without one; a tag used
// by several sets gets -<index>.
func setParts(tags []string) []string {
	count := map[string]int{}
	for _, t := range tags {
		count[sanitize(t)]++
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		s := sanitize(t)
		switch {
		case s == "":
			s = "set" + strconv.Itoa(i)
		case count[s] > 1:
			s = s + "-" + strconv.Itoa(i)
		}
		out[i] = fit(s, setPartMax)
	}
	return out
}

// ruleName is the NodeFeatureRule's object name: a DNS subdomain.
func ruleName(repo string) string {
	return "nfd-compat-" + fit(strings.ReplaceAll(repoPart(repo), "_", "-"), 200)
}
