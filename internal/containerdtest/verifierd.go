package containerdtest

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/client"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/server"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// Verifierd is a running resident verifier (nfd-compat-verifierd serve).
type Verifierd struct {
	Socket  string
	LogFile string
	cmd     *exec.Cmd
	exited  chan error
	err     error
	done    bool
}

// StartVerifierd runs `bin serve -socket socket` until the test ends and
// waits until it answers a ping. Its log is LogFile, printed when the test
// failed.
func StartVerifierd(t testing.TB, bin, socket string) *Verifierd {
	t.Helper()
	v := &Verifierd{Socket: socket, LogFile: filepath.Join(t.TempDir(), "verifierd.log")}
	logf, err := os.Create(v.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	v.cmd = exec.Command(bin, "serve", "-socket", socket)
	v.cmd.Stdout, v.cmd.Stderr = logf, logf
	if err := v.cmd.Start(); err != nil {
		t.Fatalf("containerdtest: start %s: %v", bin, err)
	}
	v.exited = make(chan error, 1)
	go func() { v.exited <- v.cmd.Wait() }()
	t.Cleanup(func() {
		_ = v.Stop()
		if t.Failed() {
			b, _ := os.ReadFile(v.LogFile)
			t.Logf("nfd-compat-verifierd log:\n%s", b)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := client.Ask(socket, wire.Request{Kind: wire.KindPing}); err == nil {
			return v
		} else if time.Now().After(deadline) {
			b, _ := os.ReadFile(v.LogFile)
			t.Fatalf("containerdtest: %s does not answer on %s: %v\n%s", bin, socket, err, b)
		}
		select {
		case err := <-v.exited:
			b, _ := os.ReadFile(v.LogFile)
			t.Fatalf("containerdtest: %s exited (%v):\n%s", bin, err, b)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// PID is the daemon's process id.
func (v *Verifierd) PID() int { return v.cmd.Process.Pid }

// Kill kills the daemon (SIGKILL): its socket stays behind, stale.
func (v *Verifierd) Kill() {
	if v.done {
		return
	}
	_ = v.cmd.Process.Kill()
	v.err, v.done = <-v.exited, true
}

// Stop stops the daemon with SIGTERM and returns how it exited.
func (v *Verifierd) Stop() error {
	if v.done {
		return v.err
	}
	_ = v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case v.err = <-v.exited:
	case <-time.After(15 * time.Second):
		_ = v.cmd.Process.Kill()
		v.err = errors.Join(errors.New("did not stop within 15s of SIGTERM"), <-v.exited)
	}
	v.done = true
	return v.err
}

// FakeVerifierd serves socket (created as Listen does: a private socket in a
// 0755 directory) until the test ends with a daemon that is not ours: it
// allows every image with the reason "fake: allowed", or, with hang,
// accepts and reads requests and never answers. Tests use it to prove a
// socket is not used (it would allow) or that a hung daemon is bounded.
func FakeVerifierd(t testing.TB, socket string, hang bool) {
	t.Helper()
	ln, err := server.Listen(socket)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	t.Cleanup(func() { close(release); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				if _, err := wire.ReadRequest(c); err != nil {
					return
				}
				if hang {
					<-release
					return
				}
				_ = wire.WriteAck(c, time.Second)
				_ = wire.WriteAnswer(c, wire.Answer{Code: 0, Stdout: []byte("fake: allowed\n")})
			}(c)
		}
	}()
}
