package verifier

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestDockerConfigCredentials: containerd gives verifiers no credentials;
// they come from DOCKER_CONFIG's config.json, and are never logged.
func TestDockerConfigCredentials(t *testing.T) {
	const user, password = "puller", "s3cret-pw"
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.BasicAuth(user, password))
	ctx := context.Background()
	r := reg.Repo(t, "private")
	r.Client = authClient(reg.Host, user, password)
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

func authClient(host, user, password string) *auth.Client {
	return &auth.Client{Credential: auth.StaticCredential(host, auth.Credential{Username: user, Password: password})}
}
