// Package client is the bindir executable containerd runs on every pull
// (cmd/nfd-compat-verifier): it asks the resident verifier over its Unix
// socket and relays the answer (stdout, stderr, exit code: what the
// one-shot verifier would have given), and when that cannot be had it
// execs the full one-shot verifier in its place, so no pull is decided
// differently for the daemon being down.
//
// The socket is used only when it can be trusted: the socket, its
// directory and every parent pass pkg/pathtrust's rule (owned by root or
// this uid, not writable by group or others), it is a socket, and the
// process answering on it is root or this uid (SO_PEERCRED). Connecting,
// sending and getting the daemon's Ack are bounded by wire.AckTimeout; the
// answer by the time the Ack names. Anything else (no socket, refused,
// untrusted, a hung or garbled daemon, an Error frame) falls back:
// syscall.Exec of the full verifier (wire.FallbackEnv, else
// DefaultFallback), with the stdin already read handed on as its stdin. If
// there is no fallback either, the pull is refused with a reason naming
// both paths and the fix.
//
// It links only the standard library and this module's stdlib-only
// packages (wire, pathtrust): cmd/nfd-compat-verifier's TestLinkedDeps.
package client
