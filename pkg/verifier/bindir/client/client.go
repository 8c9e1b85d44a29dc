package client

import (
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/pathtrust"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// DefaultFallback is the full one-shot verifier, set at build time
// (-ldflags -X, hack/build-verifier.sh; install-verifier.sh installs it
// there). It must not be in containerd's bin_dir: containerd runs every
// file there.
var DefaultFallback = "/usr/local/sbin/nfd-compat-verifierd"

// exitRefuse is bindir.ExitRefuse (containerd refuses on non-zero).
const exitRefuse = 1

// Main is the client: it returns the exit code, or does not return when it
// execs the fallback. environ is the process's environment (handed to the
// fallback as it is).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	getenv := lookup(environ)
	sock := getenv(wire.SocketEnv)
	if sock == "" {
		sock = wire.DefaultSocket
	}
	q := wire.Request{Kind: wire.KindVerify, Args: args}
	for _, k := range wire.ForwardedEnv {
		if v, ok := lookupOK(environ, k); ok {
			q.Env = append(q.Env, k+"="+v)
		}
	}
	read := wire.ReadsStdin(args)
	if read {
		// What the verifier would read of it, no more (the rest is
		// ignored by it too).
		b, err := io.ReadAll(io.LimitReader(stdin, wire.MaxStdin))
		if err != nil {
			fmt.Fprintf(stderr, "nfd-compat-verifier: read stdin: %v\n", err)
		}
		q.Stdin = b
	}
	a, why := Ask(sock, q)
	if why == nil {
		_, _ = stdout.Write(a.Stdout)
		_, _ = stderr.Write(a.Stderr)
		return a.Code
	}
	fb := getenv(wire.FallbackEnv)
	if fb == "" {
		fb = DefaultFallback
	}
	ferr := executable(fb)
	if ferr == nil {
		fmt.Fprintln(stderr, safetext.Line(fmt.Sprintf("nfd-compat-verifier: the resident verifier at %s %v; deciding with the one-shot verifier %s", sock, why, fb)))
		ferr = Exec(fb, args, q.Stdin, read, environ)
	}
	// Exec returned: there is no fallback to run.
	msg := fmt.Sprintf("nfd-compat: no verifier could decide, refusing: the resident verifier at %s %v, and the one-shot verifier %s: %v "+
		"(fix: start nfd-compat-verifierd.service, or install the full verifier there: contrib/containerd/install-verifier.sh; "+
		"$%s and $%s override the paths)", sock, why, fb, ferr, wire.SocketEnv, wire.FallbackEnv)
	msg = safetext.Line(msg)
	fmt.Fprintln(stderr, msg)
	fmt.Fprintln(stdout, msg)
	return exitRefuse
}

// Ask sends q to the daemon at sock and returns its answer; the error says
// why there is none (the caller falls back).
func Ask(sock string, q wire.Request) (wire.Answer, error) {
	if err := Trusted(sock); err != nil {
		return wire.Answer{}, err
	}
	start := time.Now()
	c, err := net.DialTimeout("unix", sock, wire.AckTimeout)
	if err != nil {
		return wire.Answer{}, fmt.Errorf("does not answer: %w", err)
	}
	uc := c.(*net.UnixConn)
	defer uc.Close()
	if err := trustedPeer(uc); err != nil {
		return wire.Answer{}, err
	}
	_ = uc.SetDeadline(start.Add(wire.AckTimeout))
	if err := wire.WriteRequest(uc, q); err != nil {
		return wire.Answer{}, fmt.Errorf("did not take the request: %w", err)
	}
	r, err := wire.ReadReply(uc)
	if err != nil {
		return wire.Answer{}, fmt.Errorf("did not acknowledge the request within %s: %w", wire.AckTimeout, err)
	}
	if q.Kind == wire.KindVerify {
		if r.Kind == wire.KindError {
			return wire.Answer{}, fmt.Errorf("refused to serve: %s", r.Message)
		}
		if r.Kind == wire.KindAnswer {
			return r.Answer, nil // decided at once: no Ack
		}
		if r.Kind != wire.KindAck {
			return wire.Answer{}, fmt.Errorf("answered a %q frame, not an acknowledgement", r.Kind)
		}
		within := r.Within
		_ = uc.SetDeadline(time.Now().Add(within))
		if r, err = wire.ReadReply(uc); err != nil {
			return wire.Answer{}, fmt.Errorf("acknowledged the request but did not answer within %s: %w", within, err)
		}
	}
	switch r.Kind {
	case wire.KindAnswer:
		return r.Answer, nil
	case wire.KindError:
		return wire.Answer{}, fmt.Errorf("refused to serve: %s", r.Message)
	}
	return wire.Answer{}, fmt.Errorf("answered a %q frame, not an answer", r.Kind)
}

// Trusted checks the socket path: a socket, owned by root or this uid and
// not writable by group or others, in a directory (and parents) that pass
// the same rule, so only root or this uid could have put it there.
func Trusted(sock string) error {
	if !filepath.IsAbs(sock) {
		return fmt.Errorf("is not an absolute path")
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(sock))
	if err != nil {
		return fmt.Errorf("is not there: %w", err)
	}
	p := filepath.Join(dir, filepath.Base(sock))
	fi, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("is not there: %w", err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("is not a socket (mode %v): not trusted", fi.Mode())
	}
	me := pathtrust.EUID()
	const orElse = "set $" + wire.SocketEnv + " to a socket in a directory only root can write"
	var problems []string
	if pr := pathtrust.Problem(p, fi, me, true, orElse); pr != "" {
		problems = append(problems, pr)
	}
	if dfi, err := os.Stat(dir); err != nil {
		problems = append(problems, err.Error())
	} else if pr := pathtrust.Problem(dir, dfi, me, true, orElse); pr != "" {
		problems = append(problems, pr)
	} else if dfi.Mode().Perm()&0o022 != 0 {
		// Root's sticky /tmp passes the rule for a parent, not as the
		// socket's own directory: anyone may create names in it.
		problems = append(problems, fmt.Sprintf("%s has mode %04o: a shared directory (fix: put the socket in a directory only root can write)", dir, dfi.Mode().Perm()))
	}
	problems = append(problems, pathtrust.Parents(dir, me, orElse)...)
	if len(problems) > 0 {
		return fmt.Errorf("is not trusted: %s", strings.Join(problems, "; "))
	}
	return nil
}

// trustedPeer checks that the process serving the socket is root or us.
func trustedPeer(c *net.UnixConn) error {
	uid, err := wire.PeerUID(c)
	if err != nil {
		return fmt.Errorf("gives no peer credentials: %w", err)
	}
	if !wire.PeerTrusted(uid) {
		return fmt.Errorf("is served by uid %d, not root or uid %d: not trusted", uid, os.Geteuid())
	}
	return nil
}

// Exec replaces this process with the verifier at path, given args and,
// when the client read stdin, what it read as stdin. It returns only when
// that cannot be done.
func Exec(path string, args []string, stdin []byte, read bool, environ []string) error {
	if err := executable(path); err != nil {
		return err
	}
	if read {
		if err := replaceStdin(stdin); err != nil {
			return fmt.Errorf("cannot hand stdin on: %w", err)
		}
	}
	err := syscall.Exec(path, append([]string{path}, args...), environ)
	return fmt.Errorf("exec: %w", err)
}

// executable says why path cannot be exec'd, nil if it can.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("is not an executable file (mode %v)", fi.Mode())
	}
	return nil
}

// replaceStdin makes fd 0 an unlinked private file holding b.
func replaceStdin(b []byte) error {
	f, err := os.CreateTemp("", ".nfd-compat-stdin-*")
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return dupToStdin(int(f.Fd()))
}

func lookup(environ []string) func(string) string {
	return func(k string) string { v, _ := lookupOK(environ, k); return v }
}

// lookupOK is the last value of k in environ, as os.Getenv has it.
func lookupOK(environ []string, k string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		if key, v, ok := strings.Cut(environ[i], "="); ok && key == k {
			return v, true
		}
	}
	return "", false
}
