// Package containerdtest runs a real containerd for tests: it builds
// containerd, ctr and crictl from the versions pinned in go.mod (once, into a
// cache dir shared by test runs), builds the nfd-compat binaries once per test
// process (or takes them from $NFD_COMPAT_BIN_DIR, as `make test` sets it),
// and starts a daemon as root with its own root, state, socket, hosts.toml
// directory, image-verifier bin_dir and nfd-compat policy under a temp dir.
//
// A test that needs only one of our commands (the verifier's bindir
// protocol tests) takes it with Command, without building containerd.
//
// Daemons need root: RequireRoot skips a test with a clear message otherwise.
package containerdtest
