package imageverifier

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ctdconfig "github.com/containerd/containerd/v2/cmd/containerd/server/config"
	"github.com/containerd/log"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/doctor"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir"
)

// TestSetupsAgreeOnBadPolicies: for one config.toml, the bindir
// executable (bindir.Run, as containerd execs it), the in-process plugin (the
// stanza decoded by containerd's own loader into the registration's
// Config) and doctor agree: the same images allowed and refused, the same
// problems named. A typo never refuses; an excluded image is never refused;
// warn mode never refuses; a bad value in enforce mode fails closed.
func TestSetupsAgreeOnBadPolicies(t *testing.T) {
	const pause, app = "registry.k8s.io/pause:3.10", "127.0.0.1:1/app:v1" // nothing listens on port 1
	for _, tc := range []struct {
		name, stanza string
		appOK        bool
		doctor       doctor.Status
		names        []string // in doctor's message, the verifier's log and the plugin's log
	}{
		{"typo in warn mode", `mode = "warn"` + "\n" + `on_eror = "deny"`, true, doctor.Warn, []string{"on_eror", `did you mean \"on_error\"?`}},
		{"typo in enforce mode", `on_eror = "deny"`, true, doctor.Warn, []string{"on_eror"}},
		{"bad value in enforce mode", `on_missing = "nope"`, false, doctor.Fail, []string{`on_missing = \"nope\"`}},
		{"bad mode", `mode = "block"`, false, doctor.Fail, []string{`mode = \"block\"`}},
		{"bad value in warn mode", `mode = "warn"` + "\n" + `timeout = "soon"`, true, doctor.Fail, []string{`timeout = soon`}},
		{"bad value in off mode", `mode = "off"` + "\n" + `on_error = 1`, true, doctor.Fail, []string{"on_error = 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "config.toml")
			body := "version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n" +
				"  exclude = [\"registry.k8s.io/pause*\"]\n  cache_dir = \"" + filepath.Join(dir, "cache") + "\"\n  config_path = \"" + filepath.Join(dir, "certs.d") + "\"\n" +
				tc.stanza + "\n"
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}

			// doctor
			var res doctor.Result
			for _, r := range doctor.Check(context.Background(), doctor.Options{ConfigFile: cfg, Address: filepath.Join(dir, "no.sock"), SkipFeatures: true, Timeout: 100 * time.Millisecond}) {
				if r.Check == "policy" {
					res = r
				}
			}
			if res.Status != tc.doctor {
				t.Errorf("doctor: %s, want %s: %s", res.Status, tc.doctor, res.Message)
			}

			// the bindir executable
			bindir := func(name string) (bool, string, string) {
				d := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString(name), Size: 100}
				in, _ := json.Marshal(d)
				var out, errs bytes.Buffer
				env := func(k string) string {
					switch k {
					case policy.ConfigEnv:
						return cfg
					case "DOCKER_CONFIG":
						return dir
					}
					return ""
				}
				code := bindir.Run(context.Background(), []string{"-name", name, "-digest", d.Digest.String(), "-stdin-media-type", ocispec.MediaTypeDescriptor},
					bytes.NewReader(in), &out, &errs, env)
				return code == bindir.ExitAllow, out.String(), errs.String()
			}

			// the in-process plugin, configured as containerd configures it
			var logs bytes.Buffer
			l := logrus.New()
			l.SetOutput(&logs)
			ctx := log.WithLogger(context.Background(), logrus.NewEntry(l))
			var ccfg ctdconfig.Config
			if err := ctdconfig.LoadConfig(ctx, cfg, &ccfg); err != nil {
				t.Fatal(err)
			}
			st, err := ccfg.Decode(ctx, policy.PluginURI, policy.DefaultStanza())
			if err != nil {
				t.Fatalf("containerd refused the plugin's config: %v", err)
			}
			pv := newVerifier(ctx, *st.(*policy.Stanza), nil)
			plugin := func(name string) (bool, string) {
				d := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString(name), Size: 100}
				j, err := pv.VerifyImage(context.Background(), name, d)
				if err != nil {
					t.Fatal(err)
				}
				return j.OK, j.Reason
			}

			var bindirLog string
			for _, img := range []struct {
				name string
				ok   bool
			}{{pause, true}, {app, tc.appOK}} {
				bok, breason, blog := bindir(img.name)
				pok, preason := plugin(img.name)
				bindirLog += blog
				if bok != img.ok || pok != img.ok {
					t.Errorf("%s: bindir allowed=%v (%s), plugin allowed=%v (%s), want %v", img.name, bok, strings.TrimSpace(breason), pok, preason, img.ok)
				}
				if strings.TrimSpace(breason) != preason && !strings.Contains(preason, "could not be checked") {
					t.Errorf("%s: reasons differ:\nbindir %s\nplugin %s", img.name, breason, preason)
				}
			}
			for _, n := range tc.names {
				for where, text := range map[string]string{"doctor": strings.ReplaceAll(res.Message, `"`, `\"`), "bindir log": bindirLog, "plugin log": logs.String()} {
					if !strings.Contains(text, n) {
						t.Errorf("%s does not name %s: %s", where, n, text)
					}
				}
			}
		})
	}
}
