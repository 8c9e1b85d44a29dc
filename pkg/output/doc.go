// Package output renders command results as a table for people or as JSON or
// YAML with a stable schema for scripts.
package output
