package server

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// serve runs a Server on a new socket until the test ends.
func serve(t *testing.T, s *Server) (sock string, stop func()) {
	t.Helper()
	sock = filepath.Join(t.TempDir(), "run", "v.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	if s.Resident == nil {
		s.Resident = &bindir.Resident{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return within 10s of its context ending")
		}
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return sock, stop
}

func dial(t *testing.T, sock string) net.Conn {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// TestServeRequests: a ping is answered, a verify is acknowledged and
// answered with what bindir.Run gives, and bad or oversize frames get an
// Error naming the problem, never a panic.
func TestServeRequests(t *testing.T) {
	sock, _ := serve(t, &Server{Version: "test"})

	c := dial(t, sock)
	if err := wire.WriteRequest(c, wire.Request{Kind: wire.KindPing}); err != nil {
		t.Fatal(err)
	}
	if r, err := wire.ReadReply(c); err != nil || r.Kind != wire.KindAnswer || !strings.HasPrefix(string(r.Answer.Stdout), "nfd-compat-verifierd test pid ") {
		t.Errorf("ping: %+v, %v", r, err)
	}

	c = dial(t, sock)
	if err := wire.WriteRequest(c, wire.Request{Kind: wire.KindVerify, Args: []string{"-bogus"}}); err != nil {
		t.Fatal(err)
	}
	// Decided at once: the answer comes without an Ack.
	r, err := wire.ReadReply(c)
	if err != nil || r.Kind != wire.KindAnswer || r.Answer.Code != bindir.ExitRefuse || !strings.HasPrefix(string(r.Answer.Stdout), "nfd-compat: bad arguments") ||
		!strings.Contains(string(r.Answer.Stderr), "level=error") {
		t.Errorf("verify -bogus: %+v, %v", r, err)
	}

	for _, tc := range []struct{ name, in, want string }{
		{"not this protocol", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "magic"},
		{"oversize", "nfdv\x01V\xff\xff\xff\xff", "over the"},
		{"a reply kind", "nfdv\x01R\x00\x00\x00\x00", "not a request"},
	} {
		c := dial(t, sock)
		if _, err := io.WriteString(c, tc.in); err != nil {
			t.Fatal(err)
		}
		r, err := wire.ReadReply(c)
		if err != nil || r.Kind != wire.KindError || !strings.Contains(r.Message, tc.want) {
			t.Errorf("%s: %+v, %v; want an error saying %q", tc.name, r, err, tc.want)
		}
	}
}

// TestServeBounds: a request not sent within ReadTimeout is dropped, and a
// connection over MaxConns is closed at once (its client falls back).
func TestServeBounds(t *testing.T) {
	sock, _ := serve(t, &Server{MaxConns: 1, ReadTimeout: 300 * time.Millisecond})
	idle := dial(t, sock)
	time.Sleep(50 * time.Millisecond) // accepted: it holds the only slot
	start := time.Now()
	over := dial(t, sock)
	if _, err := over.Read(make([]byte, 1)); !errors.Is(err, io.EOF) || time.Since(start) > 250*time.Millisecond {
		t.Errorf("connection over the cap: %v after %s, want EOF at once", err, time.Since(start))
	}
	r, err := wire.ReadReply(idle)
	if err != nil || r.Kind != wire.KindError || !strings.Contains(r.Message, "timeout") || time.Since(start) > 2*time.Second {
		t.Errorf("idle connection: %+v, %v after %s", r, err, time.Since(start))
	}
}

// TestServeShutdown: when its context ends Serve returns and the socket
// is removed.
func TestServeShutdown(t *testing.T) {
	sock, stop := serve(t, &Server{})
	stop()
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket after shutdown: %v", err)
	}
}

// TestListen: a stale socket is replaced, one a daemon answers on is not,
// and anything else in its place is an error.
func TestListen(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "v.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(sock); !errors.Is(err, ErrInUse) {
		t.Errorf("live socket: %v, want ErrInUse", err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	ln2, err := Listen(sock)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode: %v, %v", fi.Mode(), err)
	}
	ln2.Close()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(file); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("regular file: %v", err)
	}
	if _, err := Listen("rel.sock"); err == nil {
		t.Error("a relative path was accepted")
	}
}

// pingEnv makes the test binary, run as another user, ping a socket and
// print the reply.
const pingEnv = "NFD_COMPAT_TEST_PING_SOCKET"

func TestMain(m *testing.M) {
	if sock := os.Getenv(pingEnv); sock != "" {
		c, err := net.Dial("unix", sock)
		if err != nil {
			os.Stdout.WriteString("dial: " + err.Error())
			os.Exit(3)
		}
		_ = wire.WriteRequest(c, wire.Request{Kind: wire.KindPing})
		r, err := wire.ReadReply(c)
		if err != nil {
			os.Stdout.WriteString("read: " + err.Error())
			os.Exit(3)
		}
		os.Stdout.WriteString(string(r.Kind) + ":" + r.Message + string(r.Answer.Stdout))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestServeOtherUID: a client of another uid (65534, nobody) is refused by
// the daemon (SO_PEERCRED), though the socket lets it connect.
func TestServeOtherUID(t *testing.T) {
	testenv.Root(t, "running a child as uid 65534")
	sock, _ := serve(t, &Server{})
	// The socket's mode would stop nobody before the daemon could: open it
	// (and the directories) to prove the daemon's own check.
	for _, p := range []string{sock, filepath.Dir(sock), filepath.Dir(filepath.Dir(sock))} {
		mode := os.FileMode(0o755)
		if p == sock {
			mode = 0o666
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(filepath.Dir(filepath.Dir(sock)), "pinger")
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Dir(exe), filepath.Dir(filepath.Dir(exe))} {
		_ = os.Chmod(p, 0o755)
	}
	run := func(cred *syscall.Credential) string {
		cmd := exec.Command(exe)
		cmd.Env = []string{pingEnv + "=" + sock}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pinger as %+v: %v: %s", cred, err, out)
		}
		return string(out)
	}
	if out := run(nil); !strings.HasPrefix(out, "R:nfd-compat-verifierd") {
		t.Errorf("as root: %q", out)
	}
	if out := run(&syscall.Credential{Uid: 65534, Gid: 65534}); out != "E:uid 65534 is not served (only uid 0 and uid 0)" {
		t.Errorf("as uid 65534: %q", out)
	}
}

// TestServeSlowDecision: a decision that takes longer than
// wire.QuickAnswer (here a registry that accepts and never answers, under a
// 300ms policy timeout) is acknowledged first, with the time it takes at
// most, then answered.
func TestServeSlowDecision(t *testing.T) {
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hang.Close() })
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n  timeout = \"300ms\"\n  cache_dir = \""+filepath.Join(dir, "cache")+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sock, _ := serve(t, &Server{})
	c := dial(t, sock)
	q := wire.Request{Kind: wire.KindVerify, Env: []string{"NFD_COMPAT_CONFIG=" + cfg},
		Args: []string{"-name", hang.Addr().String() + "/app:v1", "-digest", "sha256:" + strings.Repeat("a", 64)}}
	if err := wire.WriteRequest(c, q); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ack, err := wire.ReadReply(c)
	if err != nil || ack.Kind != wire.KindAck || ack.Within != 300*time.Millisecond+2*time.Second || time.Since(start) > 250*time.Millisecond {
		t.Fatalf("ack %+v, %v after %s", ack, err, time.Since(start))
	}
	r, err := wire.ReadReply(c)
	if err != nil || r.Kind != wire.KindAnswer || r.Answer.Code != bindir.ExitAllow || !strings.Contains(string(r.Answer.Stdout), "allowed by on_error=allow") {
		t.Errorf("answer %+v (%s), %v", r, r.Answer.Stdout, err)
	}
	if el := time.Since(start); el < 300*time.Millisecond || el > 2*time.Second {
		t.Errorf("answered after %s, want the 300ms policy timeout", el)
	}
}
