package doctor

import (
	"fmt"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/client"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// checkResident: the bindir client asks the resident verifier, and execs
// the one-shot one when it cannot; with neither, every checked pull is
// refused.
func checkResident(e *env) Result {
	r := Result{Check: "resident"}
	if e.builtIn() {
		r.Status, r.Message = OK, "not used: checked in-process by containerd-nfd"
		return r
	}
	sock, fallback := e.opts.VerifierSocket, e.opts.VerifierFallback
	if sock == "" {
		sock = wire.DefaultSocket
	}
	if fallback == "" {
		fallback = client.DefaultFallback
	}
	a, err := client.Ask(sock, wire.Request{Kind: wire.KindPing})
	if err == nil {
		r.Status, r.Message = OK, fmt.Sprintf("%s answers on %s", strings.TrimSpace(string(a.Stdout)), sock)
		return r
	}
	if problem := notExecutable(fallback); problem != "" {
		r.Status = Fail
		r.Message = fmt.Sprintf("the resident verifier at %s %v, and there is no one-shot verifier at %s %s: every checked pull is refused", sock, err, fallback, problem)
		r.Fix = "contrib/containerd/install-verifier.sh installs both; then systemctl enable --now nfd-compat-verifierd"
		return r
	}
	r.Status = Warn
	r.Message = fmt.Sprintf("the resident verifier at %s %v: each pull execs the one-shot verifier %s instead (the same decisions, slower)", sock, err, fallback)
	r.Fix = "systemctl enable --now nfd-compat-verifierd (contrib/containerd/install-verifier.sh installs its unit)"
	return r
}
