package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	ctdconfig "github.com/containerd/containerd/v2/cmd/containerd/server/config"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

func TestLoadMissingStanzaGivesDefaults(t *testing.T) {
	for _, v := range []string{"2", "3"} {
		p := testfiles.Write(t, t.TempDir(), "config.toml", "version = "+v+"\n[plugins.\"io.containerd.image-verifier.v1.bindir\"]\n  bin_dir = \"/x\"\n")
		pol, src, err := Load(p, true)
		if err != nil {
			t.Fatalf("version %s: %v", v, err)
		}
		if !reflect.DeepEqual(pol, Default()) || src.Stanza || len(src.Warnings) > 0 {
			t.Errorf("version %s: got %+v (%+v), want defaults", v, pol, src)
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
  referrers_ttl = "30s"
  cache_dir = "/tmp/c"
  config_path = "/tmp/certs.d"
`)
	pol, _, err := Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	want := &Policy{Mode: ModeWarn, OnMissing: Deny, OnError: Deny, Tags: []string{"gpu"}, Exclude: []string{"registry.k8s.io/pause*"},
		Include: []string{"docker.io/*"}, Timeout: Duration(2 * time.Second), FeaturesTTL: Duration(time.Hour), ReferrersTTL: Duration(30 * time.Second), CacheDir: "/tmp/c", ConfigPath: "/tmp/certs.d"}
	if !reflect.DeepEqual(pol, want) {
		t.Errorf("got %+v\nwant %+v", pol, want)
	}
}

// TestLoadImports checks imports (relative, glob, absolute, cycles) and that
// later files override earlier ones key by key, exactly as containerd's own
// LoadConfig + Decode do (Load uses LoadConfig; Decode is checked here
// against containerd's plugin decoding).
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
	pol, src, err := Load(main, true)
	if err != nil {
		t.Fatal(err)
	}
	if !src.Stanza || src.Config == nil {
		t.Errorf("source %+v", src)
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
		{`exclude = ["a b"]`, []string{"exclude pattern \"a b\"", "white space"}},
		{`features_ttl = "-1m"`, []string{"features_ttl"}},
		{`referrers_ttl = "-30s"`, []string{"referrers_ttl = \"-30s\"", "zero"}},
		{`referrers_ttl = 30`, []string{"referrers_ttl", "Go duration"}},
		{`cache_dir = 3`, []string{"cache_dir = 3", "quoted path"}},
	} {
		p := testfiles.Write(t, t.TempDir(), "config.toml", "version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n"+tc.body+"\n")
		pol, _, err := Load(p, true)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", tc.body, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tc.body, err, w)
			}
		}
		// The policy comes back, marked invalid, with nothing bad left in it.
		if pol == nil || pol.Invalid() == nil || pol.Validate() != nil {
			t.Errorf("%s: policy %+v (invalid %v)", tc.body, pol, pol.Invalid())
		}
	}
	// A named file that does not exist is an error; the default file
	// (explicit=false) that does not exist means the defaults.
	missing := filepath.Join(t.TempDir(), "nope.toml")
	if _, _, err := Load(missing, true); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing named file: %v", err)
	}
	if pol, src, err := Load(missing, false); err != nil || !src.Missing || !reflect.DeepEqual(pol, Default()) {
		t.Errorf("missing default file: %+v %+v %v", pol, src, err)
	}
	// A missing import is an error even for the default file.
	p := testfiles.Write(t, t.TempDir(), "config.toml", "version = 3\nimports = [\"missing.toml\"]\n")
	if _, _, err := Load(p, false); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("missing import: %v", err)
	}
	// Bad TOML names the file and line, in an import too.
	p = testfiles.Write(t, t.TempDir(), "config.toml", "version = 3\n[plugins\n")
	if pol, _, err := Load(p, true); err == nil || pol != nil || !strings.Contains(err.Error(), "config.toml:2") {
		t.Errorf("bad TOML: %v", err)
	}
	dir := t.TempDir()
	p = testfiles.Write(t, dir, "config.toml", "version = 3\nimports = [\"conf.d/*.toml\"]\n")
	testfiles.Write(t, dir, "conf.d/x.toml", "a = \n")
	if _, _, err := Load(p, true); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "conf.d", "x.toml")+":1") {
		t.Errorf("bad TOML in an import: %v", err)
	}
}

// TestUnknownKeysWarn: a typo is a warning naming the nearest key, never an
// error, and changes nothing else.
func TestUnknownKeysWarn(t *testing.T) {
	p := testfiles.Write(t, t.TempDir(), "config.toml", `version = 3
[plugins."io.containerd.image-verifier.v1.nfd-compat"]
  mode = "warn"
  on_eror = "allow"
  on-missing = "deny"
  exclude = ["registry.k8s.io/pause*"]
`)
	pol, src, err := Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	if pol.Mode != ModeWarn || pol.OnMissing != Allow || pol.Invalid() != nil || len(pol.Exclude) != 1 {
		t.Errorf("policy %+v", pol)
	}
	got := strings.Join(src.Warnings, "\n")
	for _, w := range []string{`unknown key "on_eror"`, `did you mean "on_error"?`, `unknown key "on-missing"`, `did you mean "on_missing"?`, "valid keys are mode, on_missing"} {
		if !strings.Contains(got, w) {
			t.Errorf("warnings %q do not say %q", got, w)
		}
	}
}

// TestPluginDecodeAgrees: the in-process plugin gets the stanza through
// containerd's Decode into a Stanza and decodes it with Decode: the same
// policy, warnings and errors as Load gives the bindir executable.
func TestPluginDecodeAgrees(t *testing.T) {
	for _, body := range []string{
		"",
		`mode = "warn"` + "\n" + `on_eror = "allow"`,
		`mode = "block"` + "\n" + `exclude = ["registry.k8s.io/pause*", ""]`,
		`timeout = 5` + "\n" + `tags = "gpu"`,
	} {
		p := testfiles.Write(t, t.TempDir(), "config.toml", "version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n"+body+"\n")
		pol, src, lerr := Load(p, true)
		var cfg ctdconfig.Config
		if err := ctdconfig.LoadConfig(context.Background(), p, &cfg); err != nil {
			t.Fatal(err)
		}
		got, err := cfg.Decode(context.Background(), PluginURI, DefaultStanza())
		if err != nil {
			t.Fatalf("%s: containerd's Decode into a Stanza failed: %v", body, err)
		}
		ppol, warnings, perr := Decode(*got.(*Stanza))
		if !samePolicy(ppol, pol) || !reflect.DeepEqual(warnings, src.Warnings) || errors.Is(perr, ErrInvalid) != errors.Is(lerr, ErrInvalid) ||
			(perr != nil && !strings.HasSuffix(lerr.Error(), perr.Error())) {
			t.Errorf("%s:\nplugin %+v %q %v\nbindir %+v %q %v", body, ppol, warnings, perr, pol, src.Warnings, lerr)
		}
	}
}

// samePolicy compares the keys of two policies and whether both are invalid.
func samePolicy(a, b *Policy) bool {
	ca, cb := *a, *b
	ca.invalid, cb.invalid = nil, nil
	return reflect.DeepEqual(ca, cb) && (a.invalid == nil) == (b.invalid == nil)
}

// TestInvalidKeepsGoodParts: an excluded image is never checked, even in
// an invalid enforce-mode stanza; bad patterns are dropped, good ones kept.
func TestInvalidKeepsGoodParts(t *testing.T) {
	pol, _, err := Decode(map[string]any{"mode": "enforce", "on_error": "fial", "exclude": []any{"registry.k8s.io/pause*", "a b"}})
	if !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	if ok, _ := pol.Checked("registry.k8s.io/pause:3.10"); ok {
		t.Error("pause checked under an invalid policy")
	}
	if d := pol.Decide(Skipped); !d.Allow {
		t.Errorf("excluded image refused: %+v", d)
	}
	if d := pol.Decide(Compatible); d.Allow || d.By != ByInvalid {
		t.Errorf("enforce + invalid must fail closed: %+v", d)
	}
	pol, _, _ = Decode(map[string]any{"mode": "warn", "timeout": "soon"})
	for _, v := range []Verdict{Compatible, Incompatible, Missing, Error} {
		if d := pol.Decide(v); !d.Allow || !d.Warn || !strings.Contains(d.By, "invalid") {
			t.Errorf("warn + invalid, %s: %+v", v, d)
		}
	}
	if pol.Timeout.Std() != DefaultTimeout {
		t.Errorf("bad timeout not at its default: %s", pol.Timeout)
	}
	pol, _, _ = Decode(map[string]any{"mode": "off", "on_missing": 3})
	if d := pol.Decide(Incompatible); !d.Allow || d.By != "mode=off" {
		t.Errorf("off + invalid: %+v", d)
	}
	// A bad mode counts as the default, enforce: fail closed.
	pol, _, _ = Decode(map[string]any{"mode": "warm"})
	if pol.Mode != ModeEnforce || pol.Decide(Compatible).Allow {
		t.Errorf("bad mode: %+v", pol)
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

// The names a pattern is matched against: as given, target.Normalize's
// form, and for a pinned REF:TAG@DIGEST the tag it was pinned from.
func TestImageNames(t *testing.T) {
	const dgst = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
	for in, want := range map[string][]string{
		"nginx":                      {"nginx", "docker.io/library/nginx:latest"},
		"docker.io/library/nginx:1":  {"docker.io/library/nginx:1"},
		"registry.k8s.io/pause:3.10": {"registry.k8s.io/pause:3.10"},
		"x/app@" + dgst:              {"x/app@" + dgst, "docker.io/x/app@" + dgst},
		"nginx:1.27@" + dgst:         {"nginx:1.27@" + dgst, "docker.io/library/nginx:1.27@" + dgst, "nginx:1.27", "docker.io/library/nginx:1.27"},
		"not a reference":            {"not a reference"},
	} {
		if got := imageNames(in); !slices.Equal(got, want) {
			t.Errorf("imageNames(%q) = %q, want %q", in, got, want)
		}
	}
}
