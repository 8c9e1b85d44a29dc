package verifier

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// gpuFeatures are host features that pass examples/gpu-spec.yaml.
func gpuFeatures() *nfdv1alpha1.Features {
	f := nfdv1alpha1.NewFeatures()
	f.Instances["pci.device"] = nfdv1alpha1.InstanceFeatureSet{Elements: []nfdv1alpha1.InstanceFeature{
		{Attributes: map[string]string{"vendor": "10de", "class": "0302"}},
	}}
	f.Flags["kernel.loadedmodule"] = nfdv1alpha1.FlagFeatureSet{Elements: map[string]nfdv1alpha1.Nil{"nvidia": {}}}
	return f
}

// plantGPU writes, as the cache itself would, host features under dir that
// make the GPU spec pass, for this boot and the sources the verifier uses.
func plantGPU(t *testing.T, dir string) {
	t.Helper()
	s, _, err := spec.Parse(readExample(t, "gpu-spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := &cache.Features{Dir: dir, TTL: policy.DefaultFeaturesTTL}
	key := cache.FeaturesKey{Sources: features.SourcesForDomains(spec.Domains(s))}
	if err := c.Put(key, gpuFeatures()); err != nil {
		t.Fatal(err)
	}
}

func chownR(t *testing.T, dir string, uid int) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUntrustedCacheDirNotUsed: a cache_dir owned by nobody, mode 0777,
// with planted host features that pass the GPU spec and a planted
// audit.jsonl link to a root-only file. The verifier must discover this
// host's real features (the image stays incompatible), must not append to
// the linked file, and must still decide (no failed pull over a cache).
func TestUntrustedCacheDirNotUsed(t *testing.T) {
	testenv.Root(t, "chowning the cache dir to nobody")
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "gpu", "v1", "gpu-spec.yaml")

	// The planted features work when the directory is trusted: the test
	// would pass for the wrong reason otherwise.
	trusted := t.TempDir()
	plantGPU(t, trusted)
	v, _ := newVerifier(t, func(p *policy.Policy) { p.CacheDir = trusted })
	if o := v.Decide(context.Background(), name, desc); o.Verdict != policy.Compatible {
		t.Fatalf("planted features in a trusted dir not used: %s", o.Reason)
	}

	dir := t.TempDir()
	plantGPU(t, dir)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, AuditFile)); err != nil {
		t.Fatal(err)
	}
	chownR(t, dir, 65534)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	v, h := newVerifier(t, func(p *policy.Policy) { p.CacheDir = dir })
	o := v.Decide(context.Background(), name, desc)
	if o.Verdict != policy.Incompatible || o.Decision.Allow {
		t.Errorf("planted features were used: %s", o.Reason)
	}
	if b, _ := os.ReadFile(secret); string(b) != "root only\n" {
		t.Errorf("the audit line went through the planted link: %q", b)
	}
	mustContain(t, h.log.String(), "not using cache_dir", "owned by uid 65534")
}

// TestAuditLinkNotFollowed: even in a trusted cache_dir, an audit.jsonl
// that is a symbolic link is not written through.
func TestAuditLinkNotFollowed(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("keep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, AuditFile)); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	l := logrus.New()
	l.SetOutput(&logs)
	a := newAuditLog(dir, nil, l)
	a.append([]byte(`{"x":1}`))
	if b, _ := os.ReadFile(secret); string(b) != "keep\n" {
		t.Errorf("appended through the link: %q", b)
	}
	mustContain(t, logs.String(), "cannot append to the audit log")
}
