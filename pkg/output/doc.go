// Package output renders command results as a table for people or as JSON or
// YAML with a stable schema for scripts, including the compatibility report
// table (WriteReport). Domain packages return values and never import it
// (cmd/nfd-compat's TestImportRules says so).
package output
