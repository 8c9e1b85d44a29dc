// Package compatspec implements the commands on an image's compatibility
// specs: attach-spec, remove-spec, list-specs, get-spec and validate-spec.
//
// Each command is an options struct and a function taking a context and the
// options, as nerdctl's pkg/cmd does; flags are turned into options by the
// CLI, and nothing here imports a CLI library, so commands are tested
// directly.
package compatspec
