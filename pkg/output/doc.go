// Package output renders command results as a table for people or as JSON or
// YAML with a stable schema for scripts, and makes text from outside safe to
// print: Escape/EscapeText for control characters (every table cell, error
// line, log line and verifier reason that carries spec or registry text goes
// through them) and Redact/RedactError/ErrorText for credentials a registry
// may echo. JSON and YAML need no escaping: their encoders quote control
// characters.
package output
