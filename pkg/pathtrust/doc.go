// Package pathtrust is the one rule for "could another user have written
// this path?", as ssh checks its files: a path is trusted when it is owned
// by the effective user (or, for a parent directory and a socket, root) and
// not writable by group or others; a parent may be a root-owned
// world-writable directory with the sticky bit (/tmp). pkg/cache applies it
// to cache_dir; the bindir client (cmd/nfd-compat-verifier) applies it to
// the resident verifier's socket. It links only the standard library, so
// the client, which must start as fast as a hello-world binary, can use it.
package pathtrust
