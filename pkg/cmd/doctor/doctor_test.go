package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

// setup is a node's file tree for one case: config files and a bin_dir.
type setup struct {
	// config is config.toml; {{DIR}} is replaced by the case's temp dir.
	config string
	// files are more files (imports), relative to the temp dir.
	files map[string]string
	// bin are bin_dir's entries (under DIR/bin) and their modes.
	bin map[string]os.FileMode
	// modes are set on files or directories after they are written.
	modes map[string]os.FileMode
	// old are files whose modification time is set an hour back.
	old []string
}

const goodBindir = `
[plugins."io.containerd.image-verifier.v1.bindir"]
  bin_dir = "{{DIR}}/bin"
  per_verifier_timeout = "10s"
`

const goodPolicy = `
[plugins."io.containerd.image-verifier.v1.nfd-compat"]
  mode = "enforce"
  timeout = "5s"
  cache_dir = "{{DIR}}/cache"
  config_path = "{{DIR}}/certs.d"
`

var verifierOnly = map[string]os.FileMode{"nfd-compat-verifier": 0o755}

func TestDoctorConfigs(t *testing.T) {
	cases := []struct {
		name  string
		setup setup
		// want maps check names to statuses; unlisted checks are not looked at.
		want map[string]Status
		// says are substrings the named check's message or fix must hold.
		says map[string]string
	}{
		{
			name:  "good v3",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy, bin: verifierOnly},
			want: map[string]Status{"config": OK, "cri-transfer": OK, "bin-dir": OK, "verifier": OK, "policy": OK,
				"timeout": OK, "cache-dir": OK, "containerd": Fail, "verifier-plugin": Warn},
		},
		{
			name: "use_local_image_pull",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy + `
[plugins."io.containerd.cri.v1.images"]
  use_local_image_pull = true
`, bin: verifierOnly},
			want: map[string]Status{"cri-transfer": Fail},
			says: map[string]string{"cri-transfer": "use_local_image_pull = true"},
		},
		{
			name: "snapshot annotations on",
			setup: setup{config: "version = 3\n" + `
[plugins."io.containerd.cri.v1.images"]
  disable_snapshot_annotations = false
`},
			want: map[string]Status{"cri-transfer": Fail},
			says: map[string]string{"cri-transfer": "disable_snapshot_annotations = false"},
		},
		{
			name: "defaults spelled out are fine",
			setup: setup{config: "version = 3\n" + `
[plugins."io.containerd.cri.v1.images"]
  use_local_image_pull = false
  disable_snapshot_annotations = true
  max_concurrent_downloads = 3
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "/etc/containerd/certs.d"
`},
			want: map[string]Status{"cri-transfer": OK},
		},
		{
			name: "max_concurrent_downloads",
			setup: setup{config: "version = 3\n" + `
[plugins."io.containerd.cri.v1.images"]
  max_concurrent_downloads = 10
`},
			want: map[string]Status{"cri-transfer": Fail},
			says: map[string]string{"cri-transfer": "io.containerd.transfer.v1.local"},
		},
		{
			name: "deprecated mirrors",
			setup: setup{config: "version = 3\n" + `
[plugins."io.containerd.cri.v1.images".registry.mirrors."docker.io"]
  endpoint = ["https://mirror.example.com"]
`},
			want: map[string]Status{"cri-transfer": Fail},
			says: map[string]string{"cri-transfer": "registry.mirrors"},
		},
		{
			name: "discard_unpacked_layers and sync fs",
			setup: setup{config: "version = 3\n" + `
[plugins."io.containerd.cri.v1.images"]
  discard_unpacked_layers = true
  image_pull_with_sync_fs = true
`},
			want: map[string]Status{"cri-transfer": Fail},
			says: map[string]string{"cri-transfer": "image_pull_with_sync_fs"},
		},
		{
			name: "version 2 with legacy CRI keys",
			setup: setup{config: "version = 2\n" + `
[plugins."io.containerd.grpc.v1.cri".containerd]
  disable_snapshot_annotations = false
`},
			want: map[string]Status{"cri-transfer": Fail},
			says: map[string]string{"cri-transfer": "io.containerd.grpc.v1.cri"},
		},
		{
			name:  "version 2 clean",
			setup: setup{config: "version = 2\n" + goodBindir + goodPolicy, bin: verifierOnly},
			want:  map[string]Status{"cri-transfer": Warn, "policy": OK, "verifier": OK},
			says:  map[string]string{"cri-transfer": "containerd config migrate"},
		},
		{
			name:  "CRI disabled",
			setup: setup{config: "version = 3\ndisabled_plugins = [\"io.containerd.cri.v1.images\"]\n[plugins.\"io.containerd.cri.v1.images\"]\n  use_local_image_pull = true\n"},
			want:  map[string]Status{"cri-transfer": OK},
		},
		{
			name:  "non-executable in bin_dir",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy, bin: map[string]os.FileMode{"nfd-compat-verifier": 0o755, "README": 0o644}},
			want:  map[string]Status{"bin-dir": Fail, "verifier": OK},
			says:  map[string]string{"bin-dir": "README (mode 0644, not executable)"},
		},
		{
			name:  "verifier not installed",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy, bin: map[string]os.FileMode{"other": 0o755}},
			want:  map[string]Status{"bin-dir": OK, "verifier": Fail},
			says:  map[string]string{"verifier": "install-verifier.sh"},
		},
		{
			name:  "bin_dir missing",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy},
			want:  map[string]Status{"bin-dir": Fail, "verifier": Fail},
		},
		{
			name: "max_verifiers leaves ours out",
			setup: setup{config: "version = 3\n" + goodBindir + "  max_verifiers = 1\n" + goodPolicy,
				bin: map[string]os.FileMode{"nfd-compat-verifier": 0o755, "a-verifier": 0o755}},
			want: map[string]Status{"verifier": Fail},
			says: map[string]string{"verifier": "max_verifiers = 1"},
		},
		{
			name:  "bindir disabled",
			setup: setup{config: "version = 3\ndisabled_plugins = [\"io.containerd.image-verifier.v1.bindir\"]\n" + goodPolicy},
			want:  map[string]Status{"bin-dir": Fail},
		},
		{
			name: "timeout not under per_verifier_timeout",
			setup: setup{config: "version = 3\n" + goodBindir + strings.Replace(goodPolicy, `"5s"`, `"10s"`, 1),
				bin: verifierOnly},
			want: map[string]Status{"timeout": Fail},
			says: map[string]string{"timeout": "9s"},
		},
		{
			name: "timeout too close",
			setup: setup{config: "version = 3\n" + goodBindir + strings.Replace(goodPolicy, `"5s"`, `"9500ms"`, 1),
				bin: verifierOnly},
			want: map[string]Status{"timeout": Warn},
		},
		{
			name:  "bad policy",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy + "  on_missing = \"maybe\"\n  colour = \"red\"\n", bin: verifierOnly},
			want:  map[string]Status{"policy": Fail, "timeout": OK},
			says:  map[string]string{"policy": "colour"},
		},
		{
			name:  "typo in warn mode",
			setup: setup{config: "version = 3\n" + goodBindir + strings.Replace(goodPolicy, `"enforce"`, `"warn"`, 1) + "  on_eror = \"allow\"\n", bin: verifierOnly},
			want:  map[string]Status{"policy": Warn, "timeout": OK, "cache-dir": OK},
			says:  map[string]string{"policy": `unknown key "on_eror" in [plugins."io.containerd.image-verifier.v1.nfd-compat"] ignored (did you mean "on_error"?)`},
		},
		{
			name:  "bad value in warn mode",
			setup: setup{config: "version = 3\n" + goodBindir + strings.Replace(goodPolicy, `"enforce"`, `"warn"`, 1) + "  on_missing = \"nope\"\n", bin: verifierOnly},
			want:  map[string]Status{"policy": Fail},
			says:  map[string]string{"policy": "warns on every pull"},
		},
		{
			name:  "bad value in enforce mode",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy + "  on_missing = \"nope\"\n", bin: verifierOnly},
			want:  map[string]Status{"policy": Fail},
			says:  map[string]string{"policy": "refuses every checked pull (enforce mode fails closed); excluded images still pass"},
		},
		{
			name:  "cache_dir writable by others",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy, bin: verifierOnly, files: map[string]string{"cache/features/x.json": "{}"}, modes: map[string]os.FileMode{"cache": 0o777}},
			want:  map[string]Status{"cache-dir": Fail},
			says:  map[string]string{"cache-dir": "writable by group or others"},
		},
		{
			name: "stale temp files",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy, bin: verifierOnly,
				files: map[string]string{"cache/features/.x.json.tmp-1": ""}, modes: map[string]os.FileMode{"cache": 0o700, "cache/features": 0o700}, old: []string{"cache/features/.x.json.tmp-1"}},
			want: map[string]Status{"cache-dir": Warn},
			says: map[string]string{"cache-dir": "1 stale temporary file(s)"},
		},
		{
			name: "policy from an import",
			setup: setup{
				config: "version = 3\nimports = [\"conf.d/*.toml\"]\n" + goodBindir,
				files:  map[string]string{"conf.d/nfd-compat.toml": "version = 3\n" + goodPolicy},
				bin:    verifierOnly,
			},
			want: map[string]Status{"config": OK, "policy": OK, "cache-dir": OK},
			says: map[string]string{"policy": "mode=enforce", "config": "imports followed"},
		},
		{
			name:  "no policy stanza",
			setup: setup{config: "version = 3\n" + goodBindir, bin: verifierOnly},
			want:  map[string]Status{"policy": Warn},
		},
		{
			name:  "cache_dir is a file",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy, bin: verifierOnly, files: map[string]string{"cache": "not a dir"}},
			want:  map[string]Status{"cache-dir": Fail},
		},
		{
			name: "hosts differ from CRI's",
			setup: setup{config: "version = 3\n" + goodBindir + goodPolicy + `
[plugins."io.containerd.cri.v1.images".registry]
  config_path = "/etc/containerd/certs.d"
`, bin: verifierOnly},
			want: map[string]Status{"hosts": Warn},
		},
		{
			name:  "bad TOML",
			setup: setup{config: "version = 3\n[plugins\n"},
			want:  map[string]Status{"config": Fail},
		},
		{
			name:  "no config",
			setup: setup{},
			want:  map[string]Status{"config": Fail, "policy": Warn},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "{{DIR}}", dir) }
			cfg := filepath.Join(dir, "config.toml")
			if c.setup.config != "" {
				testfiles.Write(t, dir, "config.toml", sub(c.setup.config))
			}
			for name, body := range c.setup.files {
				testfiles.Write(t, dir, name, sub(body))
			}
			for name, mode := range c.setup.bin {
				chmod(t, testfiles.Write(t, dir, filepath.Join("bin", name), "#!/bin/sh\nexit 0\n"), mode)
			}
			for name, mode := range c.setup.modes {
				chmod(t, filepath.Join(dir, name), mode)
			}
			for _, name := range c.setup.old {
				past := time.Now().Add(-time.Hour)
				if err := os.Chtimes(filepath.Join(dir, name), past, past); err != nil {
					t.Fatal(err)
				}
			}
			results := Check(context.Background(), Options{
				ConfigFile: cfg, Address: filepath.Join(dir, "no.sock"), SkipFeatures: true, Timeout: 200 * time.Millisecond,
			})
			got := byCheck(results)
			for check, want := range c.want {
				r, ok := got[check]
				if !ok {
					t.Fatalf("no %s check in %+v", check, results)
				}
				if r.Status != want {
					t.Errorf("%s: %s, want %s: %s (fix: %s)", check, r.Status, want, r.Message, r.Fix)
				}
				if r.Status != OK && r.Fix == "" {
					t.Errorf("%s: %s without a fix: %s", check, r.Status, r.Message)
				}
			}
			for check, s := range c.says {
				if r := got[check]; !strings.Contains(r.Message+" "+r.Fix, s) {
					t.Errorf("%s should say %q: %s (fix: %s)", check, s, r.Message, r.Fix)
				}
			}
		})
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
