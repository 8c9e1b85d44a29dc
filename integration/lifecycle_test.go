package integration

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

const (
	kepSpec  = "../examples/kep-example.yaml"
	docsSpec = "../examples/nfd-docs-example.yaml"
)

func listJSON(t *testing.T, p place, ref string, extra ...string) compatspec.ListResult {
	t.Helper()
	r := run(t, "", args("list-specs", append(p.flags, extra...), ref, "-o", "json")...)
	if r.code != 0 && r.code != 3 {
		t.Fatalf("list-specs: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var res compatspec.ListResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("list-specs -o json: %v\n%s", err, r.stdout)
	}
	return res
}

// TestLifecycle runs attach, list, get, validate and remove on every place.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	for _, p := range places(t) {
		t.Run(p.name, func(t *testing.T) {
			_, img := p.push(t, "lifecycle")
			ref := p.ref("lifecycle", "v1")

			// No artifact yet: exit 3 from list, get and validate.
			must(t, 3, args("list-specs", p.flags, ref)...)
			must(t, 3, args("get-spec", p.flags, ref)...)
			must(t, 3, args("validate-spec", p.flags, ref)...)

			old := must(t, 0, args("attach-spec", p.flags, ref, kepSpec, "--annotation", "org.opencontainers.image.created=2024-01-01T00:00:00Z")...)
			oldDigest := strings.TrimSpace(old.stdout)
			if !strings.HasPrefix(oldDigest, "sha256:") {
				t.Fatalf("attach-spec printed %q, want a digest", old.stdout)
			}
			newer := must(t, 0, args("attach-spec", p.flags, ref, docsSpec, "-o", "json")...)
			var att compatspec.AttachResult
			if err := json.Unmarshal([]byte(newer.stdout), &att); err != nil {
				t.Fatal(err)
			}
			if att.Subject.Digest != img.Digest || att.Artifact.ArtifactType != spec.ArtifactType {
				t.Fatalf("attach result %+v: want subject %s and type %s", att, img.Digest, spec.ArtifactType)
			}

			res := listJSON(t, p, ref)
			if len(res.Artifacts) != 2 || res.Artifacts[0].Digest != att.Artifact.Digest.String() || res.Artifacts[1].Digest != oldDigest {
				t.Fatalf("list-specs: want [new, old], got %+v", res.Artifacts)
			}
			if got := res.Artifacts[1].Sets; len(got) != 2 || got[0].Tag != "prefered" || got[0].Weight != 10 || got[1].Tag != "fallback" {
				t.Fatalf("list-specs sets of the KEP example: %+v", got)
			}
			table := must(t, 0, args("list-specs", p.flags, ref)...)
			if !strings.Contains(table.stdout, "prefered:10,fallback:1") {
				t.Fatalf("list-specs table lacks the sets:\n%s", table.stdout)
			}

			// get-spec: newest by default, the old one by digest prefix; bytes as attached.
			want, _ := os.ReadFile(docsSpec)
			if got := must(t, 0, args("get-spec", p.flags, ref)...).stdout; got != string(want) {
				t.Fatalf("get-spec printed\n%s\nwant\n%s", got, want)
			}
			want, _ = os.ReadFile(kepSpec)
			if got := must(t, 0, args("get-spec", p.flags, ref, "--digest", oldDigest[:20])...).stdout; got != string(want) {
				t.Fatalf("get-spec --digest printed\n%s", got)
			}

			must(t, 0, args("validate-spec", p.flags, ref)...)

			// Two artifacts: remove-spec refuses without --digest/--all and lists them.
			amb := must(t, 2, args("remove-spec", p.flags, ref)...)
			if !strings.Contains(amb.stderr, oldDigest) || !strings.Contains(amb.stderr, "--digest") {
				t.Fatalf("ambiguous remove-spec should list artifacts and say --digest:\n%s", amb.stderr)
			}
			must(t, 0, args("remove-spec", p.flags, ref, "--digest", oldDigest)...)
			res = listJSON(t, p, ref)
			if len(res.Artifacts) != 1 || res.Artifacts[0].Digest != att.Artifact.Digest.String() {
				t.Fatalf("after remove --digest: %+v", res.Artifacts)
			}
			must(t, 0, args("remove-spec", p.flags, ref)...)
			must(t, 3, args("list-specs", p.flags, ref)...)
			// The image itself is untouched.
			if _, err := p.store(t, "lifecycle").Resolve(ctx, img.Digest.String()); err != nil {
				t.Fatalf("image gone after remove-spec: %v", err)
			}
		})
	}
}

// TestReplace checks --replace keeps only the new artifact, and removes the
// old ones only after the new one is listed.
func TestReplace(t *testing.T) {
	ctx := context.Background()
	for _, p := range places(t) {
		t.Run(p.name, func(t *testing.T) {
			if _, err := testimage.Push(ctx, p.store(t, "replace"), "v1"); err != nil {
				t.Fatal(err)
			}
			ref := p.ref("replace", "v1")
			must(t, 0, args("attach-spec", p.flags, ref, kepSpec, "--annotation", "org.opencontainers.image.created=2024-01-01T00:00:00Z")...)
			must(t, 0, args("attach-spec", p.flags, ref, kepSpec, "--media-types", "kep", "--annotation", "org.opencontainers.image.created=2024-02-01T00:00:00Z")...)
			r := must(t, 0, args("attach-spec", p.flags, ref, docsSpec, "--replace")...)
			newDigest := strings.TrimSpace(r.stdout)
			if strings.Count(r.stderr, "Removed older") != 2 {
				t.Fatalf("--replace should report two removals:\n%s", r.stderr)
			}
			res := listJSON(t, p, ref)
			if len(res.Artifacts) != 1 || res.Artifacts[0].Digest != newDigest {
				t.Fatalf("after --replace: %+v, want only %s", res.Artifacts, newDigest)
			}
		})
	}
}

// TestPlatform attaches to one platform's manifest of a two-platform index.
func TestPlatform(t *testing.T) {
	ctx := context.Background()
	for _, p := range places(t) {
		t.Run(p.name, func(t *testing.T) {
			index, manifests, err := testimage.PushIndex(ctx, p.store(t, "multi"), "v1", []string{"linux/amd64", "linux/arm64"})
			if err != nil {
				t.Fatal(err)
			}
			ref := p.ref("multi", "v1")
			must(t, 0, args("attach-spec", p.flags, ref, kepSpec, "--platform", "linux/arm64")...)
			arm := listJSON(t, p, ref, "--platform", "linux/arm64")
			if arm.Subject.Digest != manifests[1].Digest || len(arm.Artifacts) != 1 {
				t.Fatalf("arm64 manifest: subject %s artifacts %d, want %s and 1", arm.Subject.Digest, len(arm.Artifacts), manifests[1].Digest)
			}
			if amd := listJSON(t, p, ref, "--platform", "linux/amd64"); len(amd.Artifacts) != 0 {
				t.Fatalf("amd64 manifest should have no artifact: %+v", amd.Artifacts)
			}
			idx := listJSON(t, p, ref)
			if idx.Subject.Digest != index.Digest || len(idx.Artifacts) != 0 {
				t.Fatalf("index: subject %s artifacts %+v", idx.Subject.Digest, idx.Artifacts)
			}
			must(t, 2, args("list-specs", p.flags, ref, "--platform", "linux/s390x")...)
			must(t, 2, args("list-specs", p.flags, ref, "--platform", "linux/")...)
		})
	}
}

// TestRemoveKeepsOtherReferrers: a signature of the same image survives.
func TestRemoveKeepsOtherReferrers(t *testing.T) {
	ctx := context.Background()
	for _, p := range places(t) {
		t.Run(p.name, func(t *testing.T) {
			store, img := p.push(t, "signed")
			sig, err := testimage.PushSignature(ctx, store, img)
			if err != nil {
				t.Fatal(err)
			}
			ref := p.ref("signed", "v1")
			must(t, 0, args("attach-spec", p.flags, ref, kepSpec)...)
			must(t, 0, args("attach-spec", p.flags, ref, docsSpec)...)
			if n := len(p.referrers(t, "signed", img)); n != 3 {
				t.Fatalf("want 3 referrers before removal, got %d", n)
			}
			must(t, 0, args("remove-spec", p.flags, ref, "--all")...)
			left := p.referrers(t, "signed", img)
			if len(left) != 1 || left[0].Digest != sig.Digest {
				t.Fatalf("after remove-spec --all: %+v, want only the signature %s", left, sig.Digest)
			}
			if _, err := p.store(t, "signed").Resolve(ctx, "v1"); err != nil {
				t.Fatalf("image tag gone: %v", err)
			}
		})
	}
}

// TestInvalidSpecNeverPushed: nothing reaches the registry for a bad spec.
func TestInvalidSpecNeverPushed(t *testing.T) {
	bad := testfiles.Write(t, t.TempDir(), "bad.yaml", "version: v1alpha1\ncompatibilities:\n- rules:\n  - name: r\n    matchFeatures:\n    - feature: cpu.cpuid\n      matchExpressions:\n        AVX2: {op: In}\n")
	for _, p := range places(t) {
		t.Run(p.name, func(t *testing.T) {
			_, img := p.push(t, "invalid")
			var before int64
			if p.reg != nil {
				before = p.reg.Requests()
			}
			r := must(t, 2, args("attach-spec", p.flags, p.ref("invalid", "v1"), bad)...)
			if !strings.Contains(r.stderr, "line 8") || !strings.Contains(r.stderr, "AVX2") || !strings.Contains(r.stderr, "nothing was pushed") {
				t.Fatalf("want the line, the key and 'nothing was pushed':\n%s", r.stderr)
			}
			if p.reg != nil && p.reg.Requests() != before {
				t.Fatalf("invalid spec made %d registry requests", p.reg.Requests()-before)
			}
			if n := len(p.referrers(t, "invalid", img)); n != 0 {
				t.Fatalf("invalid spec left %d referrers", n)
			}
		})
	}
}
