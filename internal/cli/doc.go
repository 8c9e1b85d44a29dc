// Package cli wires the nfd-compat commands to cobra: flags become options
// structs of pkg/cmd/..., and errors become the documented exit codes. No
// logic lives here.
package cli
