// Package wire is what the bindir client (cmd/nfd-compat-verifier) and the
// resident verifier (cmd/nfd-compat-verifierd serve) say to each other over
// a Unix socket, and the bits of the bindir protocol both must read the
// same way (the flags, the stdin bound, the environment a decision reads).
// It links only the standard library: the client containerd execs on every
// pull must start as fast as a hello-world binary.
//
// A frame is a 10-byte header (the magic "nfdv", the version byte, a kind
// byte, the body's length as a big-endian uint32) and the body. Bodies are
// fields: unsigned varints and length-prefixed byte strings. The client
// sends a Request (KindVerify, or KindPing); the daemon answers a verify
// with an Answer (KindAnswer: exit code, stdout, stderr), preceded by an Ack
// (KindAck: it has the request and answers within the given time) when the
// decision takes longer than QuickAnswer; a ping with an Answer; and a request it will not serve with an Error
// (KindError). Every decoder bounds what it reads (MaxRequest, MaxAnswer,
// MaxFields) and returns an error wrapping ErrFrame for anything else,
// never panics.
package wire
