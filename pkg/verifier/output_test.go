package verifier

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// hostileSpec's tag and rule name carry terminal escapes (clear screen,
// retitle the window) and a newline; its rule always fails.
const hostileSpec = `version: v1alpha1
compatibilities:
- tag: "gpu\e[2J"
  weight: 1
  rules:
  - name: "evil\e]0;pwned\anext\nline"
    matchFeatures:
    - feature: kernel.loadedmodule
      matchExpressions:
        no-such-module-ever: {op: Exists}
`

// TestReasonEscaped: containerd copies the reason into ctr's error and
// kubelet events; neither the spec's tag and rule names nor the image name
// containerd passed reach it as control characters.
func TestReasonEscaped(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "app", "v1", "")
	if _, err := artifact.Attach(context.Background(), reg.Repo(t, "app"), desc, []byte(hostileSpec), artifact.AttachOptions{}); err != nil {
		t.Fatal(err)
	}
	v, h := newVerifier(t, func(p *policy.Policy) { p.OnError = policy.Deny })
	for _, n := range []string{name, name + "\x1b]0;x\x07"} {
		j, err := v.Judge(context.Background(), n, desc)
		if err != nil {
			t.Fatal(err)
		}
		if j.OK {
			t.Errorf("%q: allowed: %s", n, j.Reason)
		}
		if strings.ContainsAny(j.Reason, "\x1b\x07\n") {
			t.Errorf("%q: control characters in the reason: %q", n, j.Reason)
		}
	}
	if !strings.Contains(h.log.String(), `\x1b`) {
		t.Errorf("the log does not show the escape as text: %s", h.log.String())
	}
}

// TestEchoedCredentialsNotAudited: a registry that echoes the Authorization
// header in its error body (testregistry.EchoAuthorization, a stand-in: no
// real registry echoes it) gets the secret neither into the reason, the log
// nor audit.jsonl.
func TestEchoedCredentialsNotAudited(t *testing.T) {
	const user, password = "puller", "Echo-me-n0t"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.EchoAuthorization(401))
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, reg.Host, basic)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, h := newVerifier(t, func(p *policy.Policy) { p.OnError = policy.Deny })
	v, err := New(Options{Policy: h.pol, Log: testLogger(h), Target: target.Options{DockerConfig: filepath.Join(dir, "config.json")}})
	if err != nil {
		t.Fatal(err)
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("app"), Size: 100}
	j, _ := v.Judge(context.Background(), reg.Ref("app", "v1"), desc)
	if j.OK || !strings.Contains(j.Reason, "could not be checked") {
		t.Fatalf("judgement: %+v", j)
	}
	audit, err := os.ReadFile(h.audit)
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"reason": j.Reason, "log": h.log.String(), "audit.jsonl": string(audit)} {
		if strings.Contains(text, password) || strings.Contains(text, basic) {
			t.Errorf("the secret is in the %s: %s", where, text)
		}
	}
	if !strings.Contains(string(audit), "redacted") {
		t.Errorf("audit.jsonl does not show the registry's answer was redacted: %s", audit)
	}
}

func testLogger(h *harness) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(h.log)
	l.SetLevel(logrus.DebugLevel)
	return l
}

// TestDockerConfigCredentials: containerd gives verifiers no credentials;
// they come from DOCKER_CONFIG's config.json, and are never logged.
func TestDockerConfigCredentials(t *testing.T) {
	const user, password = "puller", "s3cret-pw"
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.BasicAuth(user, password))
	ctx := context.Background()
	r := reg.AuthRepo(t, "private", user, password)
	d, err := testimage.Push(ctx, r, "v1")
	if err != nil {
		t.Fatal(err)
	}
	d = asContainerd(d)
	if _, err := artifact.Attach(ctx, r, d, readExample(t, "gpu-spec.yaml"), artifact.AttachOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, reg.Host, base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "DOCKER_CONFIG" {
			return dir
		}
		return ""
	}
	var logs strings.Builder
	l := logrus.New()
	l.SetOutput(&logs)
	l.SetLevel(logrus.DebugLevel)
	pol := policy.Default()
	pol.CacheDir, pol.ConfigPath, pol.OnError = t.TempDir(), t.TempDir(), policy.Deny
	v, err := New(Options{Policy: pol, Log: l, Target: target.Options{DockerConfig: DockerConfigPath(env)}})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := v.Judge(ctx, reg.Ref("private", "v1"), d)
	if j.OK || !strings.Contains(j.Reason, "is incompatible") {
		t.Errorf("with credentials: %+v", j)
	}
	// Without them: the registry refuses, on_error decides, the reason says why.
	v, _ = New(Options{Policy: pol, Log: l, Target: docker(t)})
	j, _ = v.Judge(ctx, reg.Ref("private", "v1"), d)
	if j.OK || !strings.Contains(j.Reason, "could not be checked") || !strings.Contains(j.Reason, "credentials") {
		t.Errorf("without credentials: %+v", j)
	}
	if strings.Contains(logs.String(), password) || strings.Contains(j.Reason, password) {
		t.Error("the password was logged")
	}
}
