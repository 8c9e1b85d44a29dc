package safetext

import (
	"regexp"
	"strings"
	"sync"
)

// Redacted replaces a secret in printed text.
const Redacted = "<redacted>"

// secretPattern is a credential's spelling and what replaces it.
type secretPattern struct {
	re   *regexp.Regexp
	repl string
}

// secretPatterns find credentials in text a registry or a token service
// wrote, e.g. an error body echoing the request's Authorization header.
// Compiled at first use, not at every process start: most runs print
// nothing from outside.
var secretPatterns = sync.OnceValue(func() []secretPattern {
	return []secretPattern{
		// JSON members: "access_token":"...", "password": "...".
		{regexp.MustCompile(`(?i)("(?:access_token|refresh_token|id_token|token|password|passwd|secret|client_secret|identitytoken|registrytoken|auth)"\s*:\s*")(?:[^"\\]|\\.)*"`), "${1}" + Redacted + `"`},
		// Query and form values: access_token=..., password=...
		{regexp.MustCompile(`(?i)\b((?:access_token|refresh_token|id_token|token|password|passwd|secret|client_secret)=)[^&\s"']+`), "${1}" + Redacted},
		// JSON web tokens anywhere.
		{regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*`), Redacted},
		// URL user info: scheme://user:password@host.
		{regexp.MustCompile(`(://[^/\s:@]+:)[^/\s@]+@`), "${1}" + Redacted + "@"},
	}
})

// Redact removes credentials from text that reaches output or logs:
// Authorization header values (Basic, Bearer), token and password members of
// JSON and query strings, JSON web tokens and URL passwords. A registry is
// not trusted to keep them out of what it answers.
func Redact(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	scheme := authScheme()
	s = scheme.ReplaceAllStringFunc(s, func(m string) string {
		sub := scheme.FindStringSubmatch(m)
		if !credentialLike(sub[3]) {
			return m // prose such as "basic credential not found"
		}
		return sub[1] + sub[2] + Redacted
	})
	for _, p := range secretPatterns() {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
}

// authScheme is an Authorization header value, "Basic dXNlcjpwYXNz" or
// "Bearer eyJ...", with or without the header name; compiled at first use.
var authScheme = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(basic|bearer)(\s+|\s*[:=]\s*)([A-Za-z0-9._~+/\-]+=*)`)
})

// credentialLike tells a token from a word: tokens have digits, capitals or
// base64 punctuation.
func credentialLike(v string) bool {
	return strings.ContainsAny(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+/=._~-")
}

func mayHoldSecret(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"basic", "bearer", "token", "pass", "secret", "auth", "eyj", "@"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// Line is how one line of outside text (an image name, a reason, a log
// field) reaches a person or a log: credentials redacted, every control
// character escaped, newlines included.
func Line(s string) string { return Escape(Redact(s)) }

// ErrorText is how an error reaches a person or a log line: credentials
// redacted, control characters escaped (newlines kept).
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	return EscapeText(Redact(err.Error()))
}

// RedactError returns err with credentials redacted from its text; it still
// unwraps to err, so errors.Is and errors.As see the original.
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*redactedError); ok {
		return err
	}
	return &redactedError{err: err, msg: Redact(err.Error())}
}

type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
