// Package spec is the image compatibility spec: NFD's
// api/image-compatibility/v1alpha1 types (the schema stays upstream's), its
// artifact and media types, a strict YAML/JSON parser that reports every
// problem with its path and line, and static validation of every rule with
// NFD's own checks plus the operator rules NFD's evaluator only applies
// lazily, at match time.
package spec
