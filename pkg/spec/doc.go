// Package spec is the image compatibility spec: NFD's
// api/image-compatibility/v1alpha1 types (the schema stays upstream's), its
// artifact and media types, a strict YAML/JSON parser that reports every
// problem with its path and line, and static validation of every rule with
// NFD's own checks plus the operator rules NFD's evaluator only applies
// lazily, at match time.
//
// A spec comes from registries anyone may push to and is checked inside
// containerd, so limits.go bounds the work it can cause (size, sets, rules,
// terms, expressions, values, regexp length and compiled program, total
// work); a spec over a limit is invalid. ParseContext and ValidateContext
// stop when their context ends.
package spec
