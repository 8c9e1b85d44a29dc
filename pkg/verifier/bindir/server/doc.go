// Package server is the resident bindir verifier's socket side: it listens
// on a Unix socket (Listen: a private directory, the socket mode 0600, a
// stale socket removed only when nobody answers on it), serves only peers
// of uid 0 or its own uid (SO_PEERCRED), and answers each request (package
// wire) with bindir.Resident.Run, the protocol the one-shot verifier runs,
// so the client relays exactly what that would have printed and returned.
// Connections are bounded (MaxConns at once, the others closed at once so
// their clients fall back; a read deadline on the request; wire's size
// bounds), and Serve stops on its context, letting calls in flight finish.
package server
