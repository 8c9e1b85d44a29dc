package policy

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	ctdconfig "github.com/containerd/containerd/v2/cmd/containerd/server/config"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

func TestLoadMissingStanzaGivesDefaults(t *testing.T) {
	for _, v := range []string{"2", "3"} {
		p := testfiles.Write(t, t.TempDir(), "config.toml", "version = "+v+"\n[plugins.\"io.containerd.image-verifier.v1.bindir\"]\n  bin_dir = \"/x\"\n")
		pol, src, err := Load(p)
		if err != nil {
			t.Fatalf("version %s: %v", v, err)
		}
		if !reflect.DeepEqual(pol, Default()) || src.StanzaFile != "" {
			t.Errorf("version %s: got %+v from %q, want defaults", v, pol, src.StanzaFile)
		}
	}
	d := Default()
	if d.Mode != ModeEnforce || d.OnMissing != Allow || d.OnError != Allow || d.Timeout.Std() != 5*time.Second ||
		d.FeaturesTTL.Std() != 10*time.Minute || d.CacheDir != "/var/lib/nfd-compat" || d.ConfigPath != "/etc/containerd/certs.d" {
		t.Errorf("Default() = %+v", d)
	}
}

func TestLoadFullStanza(t *testing.T) {
	p := testfiles.Write(t, t.TempDir(), "config.toml", `version = 2
[plugins."io.containerd.image-verifier.v1.nfd-compat"]
  mode = "warn"
  on_missing = "deny"
  on_error = "deny"
  tags = ["gpu"]
  exclude = ["registry.k8s.io/pause*"]
  include = ["docker.io/*"]
  timeout = "2s"
  features_ttl = "1h"
  cache_dir = "/tmp/c"
  config_path = "/tmp/certs.d"
`)
	pol, _, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	want := &Policy{Mode: ModeWarn, OnMissing: Deny, OnError: Deny, Tags: []string{"gpu"}, Exclude: []string{"registry.k8s.io/pause*"},
		Include: []string{"docker.io/*"}, Timeout: Duration(2 * time.Second), FeaturesTTL: Duration(time.Hour), CacheDir: "/tmp/c", ConfigPath: "/tmp/certs.d"}
	if !reflect.DeepEqual(pol, want) {
		t.Errorf("got %+v\nwant %+v", pol, want)
	}
}

// TestLoadImports checks imports (relative, glob, absolute, cycles) and that
// the last stanza replaces earlier ones whole, exactly as containerd's own
// LoadConfig + Decode do.
func TestLoadImports(t *testing.T) {
	dir := t.TempDir()
	main := testfiles.Write(t, dir, "config.toml", `version = 3
imports = ["conf.d/*.toml", "`+filepath.Join(dir, "abs.toml")+`"]
[plugins."io.containerd.image-verifier.v1.nfd-compat"]
  mode = "warn"
  tags = ["a"]
  exclude = ["a"]
`)
	testfiles.Write(t, dir, "conf.d/10-nfd.toml", `[plugins."io.containerd.image-verifier.v1.nfd-compat"]
  on_missing = "deny"
  timeout = "3s"
`)
	testfiles.Write(t, dir, "conf.d/20-other.toml", `imports = ["../config.toml"]
[plugins."io.containerd.image-verifier.v1.bindir"]
  bin_dir = "/opt/x"
`)
	testfiles.Write(t, dir, "abs.toml", "version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n  exclude = [\"b\"]\n")
	pol, src, err := Load(main)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "abs.toml"); src.StanzaFile != want {
		t.Errorf("stanza from %s, want %s", src.StanzaFile, want)
	}
	if len(src.Files) != 4 {
		t.Errorf("read %d files %v, want 4", len(src.Files), src.Files)
	}
	// Imported keys override the main file's key by key.
	if pol.Mode != ModeWarn || pol.OnMissing != Deny || pol.Timeout.Std() != 3*time.Second || !reflect.DeepEqual(pol.Tags, []string{"a"}) || !reflect.DeepEqual(pol.Exclude, []string{"b"}) {
		t.Errorf("got %+v", pol)
	}

	// containerd's own loader agrees.
	var cfg ctdconfig.Config
	if err := ctdconfig.LoadConfig(context.Background(), main, &cfg); err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Decode(context.Background(), PluginURI, Default())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, pol) {
		t.Errorf("containerd decodes %+v, Load gives %+v", got, pol)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`mode = "block"`, []string{"mode = \"block\"", "enforce", "warn", "off", "config.toml"}},
		{`on_missing = "yes"`, []string{"on_missing = \"yes\"", "\"allow\", \"deny\""}},
		{`on_error = "fail"`, []string{"on_error = \"fail\""}},
		{`timeout = "5 seconds"`, []string{"timeout", "Go duration"}},
		{`timeout = 5`, []string{"timeout", "Go duration"}},
		{`timeout = "0s"`, []string{"timeout = \"0s\"", "positive"}},
		{`exclude = "pause"`, []string{"exclude", "list of strings"}},
		{`on-missing = "deny"`, []string{"unknown key(s) on-missing", "valid keys are mode, on_missing"}},
		{`exclude = ["a b"]`, []string{"exclude pattern \"a b\"", "white space"}},
	} {
		p := testfiles.Write(t, t.TempDir(), "config.toml", "version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n"+tc.body+"\n")
		_, _, err := Load(p)
		if err == nil {
			t.Errorf("%s: no error", tc.body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tc.body, err, w)
			}
		}
	}
	if _, _, err := Load(filepath.Join(t.TempDir(), "nope.toml")); !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
	p := testfiles.Write(t, t.TempDir(), "config.toml", "version = 3\nimports = [\"missing.toml\"]\n")
	if _, _, err := Load(p); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("missing import: %v", err)
	}
	p = testfiles.Write(t, t.TempDir(), "config.toml", "version = 3\n[plugins\n")
	if _, _, err := Load(p); err == nil || !strings.Contains(err.Error(), "config.toml:2") {
		t.Errorf("bad TOML: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"registry.k8s.io/pause*", "registry.k8s.io/pause:3.10", true},
		{"registry.k8s.io/pause*", "registry.k8s.io/pause", true},
		{"registry.k8s.io/pause*", "registry.k8s.io/kube-proxy:v1", false},
		{"docker.io/library/*", "docker.io/library/nginx:latest", true},
		{"docker.io/*", "docker.io/x/y/z:1", true},
		{"*@sha256:*", "ghcr.io/a/b@sha256:0123", true},
		{"*", "anything/at/all:1", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"exact:1", "exact:1", true},
		{"exact:1", "exact:10", false},
		{"", "", true},
	} {
		if got := Match(tc.pat, tc.s); got != tc.want {
			t.Errorf("Match(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}

func TestChecked(t *testing.T) {
	p := Default()
	p.Exclude = []string{"registry.k8s.io/pause*", "docker.io/library/busybox*"}
	for name, want := range map[string]bool{
		"registry.k8s.io/pause:3.10":      false,
		"busybox":                         false, // normalized to docker.io/library/busybox:latest
		"docker.io/library/busybox:1.36":  false,
		"docker.io/library/nginx:latest":  true,
		"127.0.0.1:5000/app:v1":           true,
		"registry.k8s.io/kube-proxy:v1.3": true,
	} {
		if got, why := p.Checked(name); got != want {
			t.Errorf("Checked(%q) = %v (%s), want %v", name, got, why, want)
		}
	}
	// Exact patterns match pinned pulls (REF:TAG@DIGEST) of that tag, but a
	// digest-only name never turns into :latest.
	const dgst = "@sha256:0000000000000000000000000000000000000000000000000000000000000000"
	p.Exclude = []string{"127.0.0.1:5000/app:v1", "docker.io/library/nginx:latest"}
	for name, want := range map[string]bool{
		"127.0.0.1:5000/app:v1" + dgst:   false,
		"127.0.0.1:5000/app:v2" + dgst:   true,
		"nginx:latest" + dgst:            false,
		"docker.io/library/nginx" + dgst: true,
	} {
		if got, why := p.Checked(name); got != want {
			t.Errorf("Checked(%q) = %v (%s), want %v", name, got, why, want)
		}
	}
	p.Exclude = nil
	p.Include = []string{"127.0.0.1:*"}
	if ok, why := p.Checked("docker.io/library/nginx:latest"); ok || !strings.Contains(why, "include") {
		t.Errorf("include: %v %s", ok, why)
	}
	if ok, _ := p.Checked("127.0.0.1:5000/app:v1"); !ok {
		t.Error("included image not checked")
	}
	p.Mode = ModeOff
	if ok, why := p.Checked("127.0.0.1:5000/app:v1"); ok || why != "mode=off" {
		t.Errorf("mode=off: %v %s", ok, why)
	}
}

func TestDecide(t *testing.T) {
	type row struct {
		mode      Mode
		onMissing Action
		onError   Action
		verdict   Verdict
		allow     bool
		warn      bool
		by        string
	}
	rows := []row{
		{ModeEnforce, Allow, Allow, Compatible, true, false, "mode=enforce"},
		{ModeEnforce, Allow, Allow, Incompatible, false, false, "mode=enforce"},
		{ModeEnforce, Allow, Allow, Missing, true, false, "on_missing=allow"},
		{ModeEnforce, Deny, Allow, Missing, false, false, "on_missing=deny"},
		{ModeEnforce, Allow, Allow, Error, true, true, "on_error=allow"},
		{ModeEnforce, Allow, Deny, Error, false, false, "on_error=deny"},
		{ModeEnforce, Deny, Deny, Skipped, true, false, "policy (image not checked)"},
		{ModeWarn, Allow, Allow, Compatible, true, false, "mode=warn"},
		{ModeWarn, Allow, Allow, Incompatible, true, true, "mode=warn (mode=enforce would refuse)"},
		{ModeWarn, Deny, Allow, Missing, true, true, "mode=warn (on_missing=deny would refuse)"},
		{ModeWarn, Allow, Allow, Missing, true, false, "on_missing=allow"},
		{ModeWarn, Allow, Deny, Error, true, true, "mode=warn (on_error=deny would refuse)"},
		{ModeWarn, Allow, Allow, Error, true, true, "on_error=allow"},
		{ModeOff, Deny, Deny, Incompatible, true, false, "mode=off"},
		{ModeOff, Deny, Deny, Missing, true, false, "mode=off"},
		{ModeOff, Deny, Deny, Error, true, false, "mode=off"},
		{ModeOff, Deny, Deny, Skipped, true, false, "mode=off"},
	}
	for _, r := range rows {
		p := &Policy{Mode: r.mode, OnMissing: r.onMissing, OnError: r.onError}
		d := p.Decide(r.verdict)
		if d.Allow != r.allow || d.Warn != r.warn || d.By != r.by {
			t.Errorf("mode=%s on_missing=%s on_error=%s %s: got %+v, want allow=%v warn=%v by=%q",
				r.mode, r.onMissing, r.onError, r.verdict, d, r.allow, r.warn, r.by)
		}
	}
	// Warn mode never refuses, whatever the verdict.
	for _, v := range []Verdict{Compatible, Incompatible, Missing, Error, Skipped, "weird"} {
		for _, a := range []Action{Allow, Deny} {
			if d := (&Policy{Mode: ModeWarn, OnMissing: a, OnError: a}).Decide(v); !d.Allow {
				t.Errorf("warn mode refused %s: %+v", v, d)
			}
		}
	}
	if s := (Decision{Allow: false, By: "mode=enforce"}).String(); s != "refused by mode=enforce" {
		t.Error(s)
	}
}
