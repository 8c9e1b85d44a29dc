// Package audit is `nfd-compat audit`: it summarises the verifier's audit
// log (<cache_dir>/audit.jsonl, after the rotated audit.jsonl.1) — counts by
// decision and verdict, the images enforce mode would have refused (what a
// week in warn mode found), the other warnings, and the recent refusals.
//
// The log is streamed: memory is bounded by the number of distinct images
// kept (MaxImages) and recent entries (Options.Recent), not by the file's
// size. Lines that are not audit records (torn by a crash, garbage, longer
// than MaxLine) are counted and skipped, never fatal. Every string from
// the log is redacted and escaped (pkg/safetext) before it is printed, in
// every output format.
package audit
