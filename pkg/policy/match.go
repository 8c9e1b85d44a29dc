package policy

import (
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Image patterns (exclude, include) are globs in which '*' matches any run
// of characters, '/' and ':' included, and every other character matches
// itself. A pattern matches an image when it matches the whole of either
// the name containerd passes (e.g. "registry.k8s.io/pause:3.10") or its
// normalized form (target.Normalize), which names the registry and the tag:
//
//	nginx                  -> docker.io/library/nginx:latest
//	ghcr.io/x/app@sha256:… -> ghcr.io/x/app@sha256:…
//
// So "registry.k8s.io/pause*" matches every pause tag, "docker.io/library/*"
// every official Docker Hub image, "*@sha256:*" every image pulled by digest.

// Checked reports whether the policy checks the image name at all, and if
// not, why (the mode or the pattern that excluded it).
func (p *Policy) Checked(name string) (bool, string) {
	if p.Mode == ModeOff {
		return false, "mode=off"
	}
	names := imageNames(name)
	for _, pat := range p.Exclude {
		if matchAny(pat, names) {
			return false, "excluded by " + quote(pat)
		}
	}
	if len(p.Include) == 0 {
		return true, ""
	}
	for _, pat := range p.Include {
		if matchAny(pat, names) {
			return true, ""
		}
	}
	return false, "not in include " + quoteAll(p.Include)
}

// imageNames are the spellings of name a pattern may match: as given,
// normalized (target.Normalize), and for REF:TAG@DIGEST (how pinned pulls
// such as nfd-compat pull name the image) the same without the digest, so
// an exact pattern for a tag still matches its pinned pull.
func imageNames(name string) []string {
	names := []string{name}
	add := func(n string) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	ref, err := target.ParseReference(name)
	if err != nil {
		return names
	}
	add(ref.String())
	if ref.Tag != "" && ref.Digest != "" {
		if i := strings.LastIndex(name, "@"); i > 0 {
			add(name[:i])
		}
		add(ref.Tagged())
	}
	return names
}

func matchAny(pattern string, names []string) bool {
	for _, n := range names {
		if Match(pattern, n) {
			return true
		}
	}
	return false
}

// Match reports whether the glob pattern matches all of s; '*' matches any
// run of characters (including '/'), other characters match themselves.
func Match(pattern, s string) bool {
	// Iterative wildcard matching with backtracking to the last '*'.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func checkPattern(pat string) error {
	if pat == "" {
		return errors.New("empty pattern: remove it")
	}
	if strings.IndexFunc(pat, unicode.IsSpace) >= 0 {
		return errors.New("holds white space; image names never do")
	}
	return nil
}

func quote(s string) string { return "\"" + s + "\"" }

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
