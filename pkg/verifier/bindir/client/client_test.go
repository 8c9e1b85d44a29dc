package client

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// listen makes a socket at dir/v.sock (dir mode 0755) answering each
// connection with reply.
func listen(t *testing.T, dir string, reply func(c net.Conn)) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "v.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := wire.ReadRequest(c); err == nil {
					reply(c)
				}
			}()
		}
	}()
	return sock
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestTrusted: the socket is used only where only root or this uid could
// have put it.
func TestTrusted(t *testing.T) {
	base := t.TempDir()
	sock := listen(t, filepath.Join(base, "run"), func(net.Conn) {})
	if err := Trusted(sock); err != nil {
		t.Fatalf("a private socket: %v", err)
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) string
		want  string
	}{
		{"relative", func(*testing.T) string { return "run/v.sock" }, "not an absolute path"},
		{"missing", func(*testing.T) string { return filepath.Join(base, "run", "none.sock") }, "is not there"},
		{"a file", func(t *testing.T) string {
			p := filepath.Join(base, "run", "file")
			must(t, os.WriteFile(p, nil, 0o600))
			return p
		}, "is not a socket"},
		{"socket 0666", func(t *testing.T) string { must(t, os.Chmod(sock, 0o666)); return sock }, "writable by group or others"},
		{"directory 0777", func(t *testing.T) string {
			must(t, os.Chmod(sock, 0o600))
			must(t, os.Chmod(filepath.Dir(sock), 0o777))
			return sock
		}, "writable by group or others"},
		{"sticky shared directory", func(t *testing.T) string { must(t, os.Chmod(filepath.Dir(sock), os.ModeSticky|0o777)); return sock }, "shared directory"},
		{"group-writable parent", func(t *testing.T) string {
			must(t, os.Chmod(filepath.Dir(sock), 0o755))
			must(t, os.Chmod(base, 0o775))
			return sock
		}, "writable by group or others"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Trusted(tc.setup(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestAsk: what the client makes of each kind of daemon.
func TestAsk(t *testing.T) {
	q := wire.Request{Kind: wire.KindVerify, Args: []string{"-name", "x"}}
	for _, tc := range []struct {
		name  string
		reply func(c net.Conn)
		want  string // "" for an answer
	}{
		{"answers", func(c net.Conn) {
			wire.WriteAck(c, time.Second)
			wire.WriteAnswer(c, wire.Answer{Code: 1, Stdout: []byte("nfd-compat: refused\n")})
		}, ""},
		{"refuses to serve", func(c net.Conn) { wire.WriteError(c, "uid 65534 is not served") }, "refused to serve: uid 65534"},
		{"garbage", func(c net.Conn) { io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n") }, "did not acknowledge"},
		{"answers at once, no ack", func(c net.Conn) {
			wire.WriteAnswer(c, wire.Answer{Code: 1, Stdout: []byte("nfd-compat: refused\n")})
		}, ""},
		{"a request kind back", func(c net.Conn) { wire.WriteFrame(c, wire.KindPing, nil) }, "not a reply"},
		{"closes", func(c net.Conn) {}, "did not acknowledge"},
		{"acks then closes", func(c net.Conn) { wire.WriteAck(c, time.Second) }, "did not answer within 1s"},
		{"acks, answers late", func(c net.Conn) {
			wire.WriteAck(c, 100*time.Millisecond)
			time.Sleep(time.Second)
			wire.WriteAnswer(c, wire.Answer{})
		}, "did not answer within 100ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sock := listen(t, filepath.Join(t.TempDir(), "run"), tc.reply)
			start := time.Now()
			a, err := Ask(sock, q)
			if tc.want == "" {
				if err != nil || a.Code != 1 || string(a.Stdout) != "nfd-compat: refused\n" {
					t.Errorf("answer %+v, %v", a, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if el := time.Since(start); el > wire.AckTimeout+500*time.Millisecond {
				t.Errorf("took %s", el)
			}
		})
	}
	// A daemon that never acknowledges is given up on at wire.AckTimeout.
	sock := listen(t, filepath.Join(t.TempDir(), "run"), func(net.Conn) { time.Sleep(5 * time.Second) })
	start := time.Now()
	if _, err := Ask(sock, q); err == nil || time.Since(start) < wire.AckTimeout || time.Since(start) > wire.AckTimeout+time.Second {
		t.Errorf("silent daemon: %v after %s", err, time.Since(start))
	}
}
