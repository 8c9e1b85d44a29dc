package pull

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/core/transfer"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

func quietLog() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string][2]string{
		"alpine":                      {"docker.io/library/alpine:latest", "docker.io"},
		"127.0.0.1:5000/app:v1":       {"127.0.0.1:5000/app:v1", "127.0.0.1:5000"},
		"ghcr.io/x/y@sha256:" + hex64: {"ghcr.io/x/y@sha256:" + hex64, "ghcr.io"},
	} {
		img, err := parseRef(in)
		if err != nil || img.name != want[0] || img.domain != want[1] {
			t.Errorf("parseRef(%q) = %+v, %v; want %v", in, img, err, want)
		}
	}
	if _, err := parseRef("not a reference"); err == nil || !strings.Contains(err.Error(), "invalid image reference") {
		t.Errorf("bad reference: %v", err)
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseUnpack(t *testing.T) {
	for _, ok := range []string{"", "auto", "true", "false"} {
		if _, err := ParseUnpack(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	if _, err := ParseUnpack("yes"); err == nil {
		t.Error("--unpack yes accepted")
	}
}

func TestCredentials(t *testing.T) {
	c := newCredentials("registry.example.com", Registry{Credentials: &target.Credentials{Username: "u", Password: "p"}}, quietLog())
	if u, s := c.lookup("registry.example.com"); u != "u" || s != "p" {
		t.Errorf("static credentials for the image's registry: %q %q", u, s)
	}
	if u, s := c.lookup("mirror.example.com"); u != "" || s != "" {
		t.Error("static credentials sent to another host")
	}
	tok := newCredentials("docker.io", Registry{Credentials: &target.Credentials{Token: "t"}}, quietLog())
	if u, s := tok.lookup("registry-1.docker.io"); u != "" || s != "t" {
		t.Errorf("token for Docker Hub's API host: %q %q", u, s)
	}
	// docker config.json, through nerdctl's credential store.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{"registry.example.com":{"auth":"YWxpY2U6czNjcmV0"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	dc := newCredentials("registry.example.com", Registry{}, quietLog())
	got, err := dc.GetCredentials(context.Background(), "registry.example.com/app:v1", "registry.example.com")
	if err != nil || got.Username != "alice" || got.Secret != "s3cret" {
		t.Errorf("docker config credentials: %+v %v", got, err)
	}
	if got, err := dc.GetCredentials(context.Background(), "", "other.example.com"); err != nil || got.Username != "" {
		t.Errorf("no credentials for another host: %+v %v", got, err)
	}
}

func TestHostsRoot(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(b, "registry.example.com:5000"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b, "registry.example.com:5000", "hosts.toml"), []byte(`server = "http://registry.example.com:5000"`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := hostsRoot([]string{"/nonexistent", a, b}, "registry.example.com:5000")
	if err != nil || got != b {
		t.Errorf("hostsRoot = %q, %v; want %q", got, err, b)
	}
	if got, _ := hostsRoot([]string{a}, "registry.example.com:5000"); got != "" {
		t.Errorf("no hosts.toml anywhere: %q", got)
	}
}

func TestInsecureHosts(t *testing.T) {
	for scheme, want := range map[string]string{"": "skip_verify = true", "http": `server = "http://10.0.0.5:5000"`} {
		img := &image{name: "10.0.0.5:5000/app:v1", domain: "10.0.0.5:5000", scheme: scheme}
		root, cleanup, err := img.transferHosts(Registry{Insecure: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(root, "10.0.0.5:5000", "hosts.toml"))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("scheme %q: hosts.toml %q (%v) lacks %q", scheme, b, err, want)
		}
		if scheme == "http" && strings.Contains(string(b), "skip_verify") {
			t.Errorf("skip_verify for an http server makes containerd try HTTPS first:\n%s", b)
		}
		cleanup()
		if _, err := os.Stat(root); !os.IsNotExist(err) {
			t.Errorf("cleanup left %s", root)
		}
	}
}

func TestProgressPlain(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressPrinter(&buf, false)
	p.update(transfer.Progress{Event: "Resolving from 127.0.0.1:5000/app:v1"})
	p.update(transfer.Progress{Event: "downloading", Name: "layer-sha256:" + hex64, Progress: 1, Total: 10})
	p.update(transfer.Progress{Event: "complete", Name: "layer-sha256:" + hex64, Progress: 10, Total: 10})
	p.update(transfer.Progress{Event: "complete", Name: "layer-sha256:" + hex64, Progress: 10, Total: 10})
	want := "Resolving from 127.0.0.1:5000/app:v1\nlayer (0123456789ab): complete 10.0 B/10.0 B\n"
	if buf.String() != want {
		t.Errorf("plain progress:\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestHasDigest(t *testing.T) {
	if hasDigest("127.0.0.1:5000/app:v1") || !hasDigest("r/app:v1@sha256:"+hex64) {
		t.Error("hasDigest")
	}
}

func TestProgressTTY(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressPrinter(&buf, true)
	p.update(transfer.Progress{Event: "Pulling from 127.0.0.1:5000/app:v1"})
	p.update(transfer.Progress{Event: "downloading", Name: "layer-sha256:" + hex64, Progress: 5, Total: 10})
	p.update(transfer.Progress{Event: "extracted", Name: "layer-sha256:" + hex64, Progress: 10, Total: 10})
	p.finish()
	for _, want := range []string{"layer (0123456789ab)", "extracted", "Pulling from", "elapsed:"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("TTY progress lacks %q:\n%s", want, buf.String())
		}
	}
}
