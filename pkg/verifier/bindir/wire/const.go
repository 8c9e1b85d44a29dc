package wire

import "time"

// DefaultSocket is where the resident verifier listens (systemd's
// RuntimeDirectory=nfd-compat).
const DefaultSocket = "/run/nfd-compat/verifier.sock"

// SocketEnv overrides DefaultSocket, for the client and the daemon.
// containerd's environment is inherited by the verifiers it execs.
const SocketEnv = "NFD_COMPAT_VERIFIER_SOCKET"

// FallbackEnv overrides the full one-shot verifier the client execs when
// the resident one cannot answer (its default is compiled into the client).
const FallbackEnv = "NFD_COMPAT_VERIFIER_FALLBACK"

// ForwardedEnv are the environment variables a decision reads
// (bindir.Run's getenv: the policy file's $NFD_COMPAT_CONFIG, and
// verifier.DockerConfigPath's DOCKER_CONFIG and HOME). The client sends
// these, and only these, from containerd's environment; the daemon's
// getenv answers from them alone.
var ForwardedEnv = []string{"NFD_COMPAT_CONFIG", "DOCKER_CONFIG", "HOME"}

// DescriptorMediaType is ocispec.MediaTypeDescriptor, what containerd says
// stdin is (a test in pkg/verifier/bindir keeps them equal).
const DescriptorMediaType = "application/vnd.oci.descriptor.v1+json"

// MaxStdin bounds the descriptor read from stdin, by the direct verifier
// and by the client alike.
const MaxStdin = 1 << 20

// AckTimeout bounds connecting, sending the request and getting the Ack: a
// daemon that takes longer (hung, overloaded) is passed over for the
// fallback, so a pull costs at most this more than without a daemon.
const AckTimeout = time.Second

// QuickAnswer: a decision done within it is answered at once, without an
// Ack first (a warm decision takes a millisecond or two); a slower one is
// acknowledged at QuickAnswer, well within AckTimeout.
const QuickAnswer = 50 * time.Millisecond

// ReadTimeout is how long the daemon waits for a whole request.
const ReadTimeout = 2 * time.Second
