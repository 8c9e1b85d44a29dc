// Package safetext makes text from outside (specs, registries, image names)
// safe to print: Escape and EscapeText turn control characters, Unicode line
// separators, bidi overrides and invalid UTF-8 into visible escapes (\x1b),
// and Redact, RedactError and ErrorText remove credentials a registry may
// echo in an error body; Writer filters a stream of another program's
// terminal output (nerdctl's pull progress) the same way. Every table cell, error line, log line and
// verifier reason that carries such text goes through them; JSON and YAML
// encoders quote control characters by themselves.
//
// It is not rendering: domain packages (target, verifier) use it on the
// errors and reasons they produce, which is why it is not part of
// pkg/output.
package safetext
