// Package containerdcli wires to cobra the commands nfd-compat-containerd
// runs, those that link containerd's client (grpc) and nerdctl's pull:
// pull, doctor, check-images. Each starts from its description in
// internal/cli/companion, the one nfd-compat's stub of it shows, and adds
// its flags and run; the logic is pkg/cmd/*'s. nfd-compat itself never
// imports this package (cmd/nfd-compat's deps test guards that).
package containerdcli
