// Package companion runs commands that live in a companion executable of
// nfd-compat, the way git, kubectl and docker run their plugins: nfd-compat
// keeps each such command in its tree as a stub with the command's own
// name and description (so --help and `help CMD` inform), and the stub
// replaces the process (syscall.Exec: signals, exit codes and stdio pass
// straight through) with the companion found next to nfd-compat's
// executable, else on $PATH, given the same arguments.
//
// The split keeps what validate-node and the other commands run on free of
// what only a few commands need: nfd-compat-containerd links containerd's
// client, grpc and nerdctl's pull for pull, doctor and check-images, about
// 300 packages whose initialisation every nfd-compat process would pay for.
// This package is what both sides share without linking those: the
// companions' names and each command's description (Use, Short, Long,
// Example); the companion's command constructors start from the same
// description and add the flags and the run.
package companion
