package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/nfd-compat/nfd-compat/internal/cli"
	"github.com/nfd-compat/nfd-compat/internal/testenv"
	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

const jobFile = "../contrib/kubernetes/validate-node-job.yaml"

// loadJob strictly decodes the example Job: a misspelt field would be
// silently dropped by the API server's non-strict clients.
func loadJob(t *testing.T) (*batchv1.Job, *corev1.Container) {
	t.Helper()
	raw, err := os.ReadFile(jobFile)
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(raw, &job); err != nil {
		t.Fatalf("%s: %v", jobFile, err)
	}
	if len(job.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%s: want one container", jobFile)
	}
	return &job, &job.Spec.Template.Spec.Containers[0]
}

// TestValidateNodeJobManifest checks the Job's promises: non-root, read-only
// root file system, no capabilities, host paths read-only under the
// --host-root, never retried, CA and credentials from mounted objects, and
// a command line that validate-node accepts.
func TestValidateNodeJobManifest(t *testing.T) {
	job, c := loadJob(t)
	pod := job.Spec.Template.Spec
	if job.Spec.BackoffLimit == nil || *job.Spec.BackoffLimit != 0 || pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Error("the Job must not retry: exit 1 and 3 are answers")
	}
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Error("pod must run as a numeric non-root user")
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container security context %+v: want read-only root, no privilege escalation, drop ALL", sc)
	}

	flags := argFlags(c.Args)
	hostRoot := flags["--host-root"]
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
		v := volumes[m.Name]
		if v.HostPath != nil && (!m.ReadOnly || !strings.HasPrefix(m.MountPath, hostRoot+"/") || m.MountPath != hostRoot+v.HostPath.Path) {
			t.Errorf("host path %s mounted at %s (readOnly %v): want read-only at %s%s", v.HostPath.Path, m.MountPath, m.ReadOnly, hostRoot, v.HostPath.Path)
		}
	}
	for _, p := range []string{"/sys", "/proc", "/etc/os-release", "/lib", "/usr/lib", "/boot"} {
		if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.HostPath != nil && v.HostPath.Path == p }) {
			t.Errorf("host path %s is not mounted", p)
		}
	}
	// --ca-file lies in a mounted ConfigMap or Secret, DOCKER_CONFIG in a
	// Secret that provides config.json.
	if ca := flags["--ca-file"]; !inMountOf(ca, mounts, volumes, func(v corev1.Volume) bool { return v.ConfigMap != nil || v.Secret != nil }) {
		t.Errorf("--ca-file %q is not in a mounted ConfigMap or Secret", ca)
	}
	var dockerConfig string
	for _, e := range c.Env {
		if e.Name == "DOCKER_CONFIG" {
			dockerConfig = e.Value
		}
	}
	if !inMountOf(filepath.Join(dockerConfig, "config.json"), mounts, volumes, func(v corev1.Volume) bool {
		return v.Secret != nil && slices.ContainsFunc(v.Secret.Items, func(k corev1.KeyToPath) bool { return k.Path == "config.json" })
	}) {
		t.Errorf("DOCKER_CONFIG=%q is not a Secret's config.json", dockerConfig)
	}

	// The arguments are validate-node's.
	if len(c.Args) == 0 || c.Args[0] != "validate-node" {
		t.Fatalf("args %v: want validate-node first", c.Args)
	}
	cmd, _, err := cli.New().Find(c.Args[:1])
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(c.Args[1:]); err != nil {
		t.Errorf("validate-node does not accept the Job's args %v: %v", c.Args[1:], err)
	}
}

// argFlags maps "--flag value" pairs of args.
func argFlags(args []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(args); i++ {
		if strings.HasPrefix(args[i], "--") && !strings.HasPrefix(args[i+1], "-") {
			m[args[i]] = args[i+1]
		}
	}
	return m
}

func inMountOf(path string, mounts map[string]corev1.VolumeMount, volumes map[string]corev1.Volume, ok func(corev1.Volume) bool) bool {
	for name, m := range mounts {
		if strings.HasPrefix(path, m.MountPath+"/") && ok(volumes[name]) {
			return true
		}
	}
	return false
}

// TestValidateNodeJobHostRoot lays out a container root as the Job mounts
// it, each hostPath volume at its mountPath, over a fixture "host" (the
// pkg/features/testdata/hostroot tree plus a modules.builtin under lib), and
// checks that validate-node --host-root reads the fixture through it: the
// OS release, CPU topology and NUMA from sys, swap from proc, and a built-in
// module from lib.
func TestValidateNodeJobHostRoot(t *testing.T) {
	job, c := loadJob(t)
	host, err := filepath.Abs(fixtures + "/hostroot")
	if err != nil {
		t.Fatal(err)
	}
	release, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		testenv.Missing(t, "no /proc/sys/kernel/osrelease: %v", err)
	}
	// lib/ and usr/lib/ of the fixture host: NFD reads
	// lib/modules/<running kernel>/modules.builtin.
	extra := t.TempDir()
	modDir := filepath.Join(extra, "lib", "modules", strings.TrimSpace(string(release)))
	for _, d := range []string{modDir, filepath.Join(extra, "usr", "lib"), filepath.Join(extra, "boot")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(modDir, "modules.builtin"), []byte("kernel/fs/jobfs/jobfs.ko\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	onHost := func(p string) string {
		if _, err := os.Lstat(filepath.Join(host, p)); err == nil {
			return filepath.Join(host, p)
		}
		return filepath.Join(extra, p)
	}

	// The container's root: every hostPath volume at its mountPath.
	ctr := t.TempDir()
	volumes := map[string]corev1.Volume{}
	for _, v := range job.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	for _, m := range c.VolumeMounts {
		v := volumes[m.Name]
		if v.HostPath == nil {
			continue
		}
		at := filepath.Join(ctr, m.MountPath)
		if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(onHost(v.HostPath.Path), at); err != nil {
			t.Fatal(err)
		}
	}

	spec := testfiles.Write(t, t.TempDir(), "job-host.yaml", `version: v1alpha1
compatibilities:
- rules:
  - name: fixture host
    matchFeatures:
    - feature: system.osrelease
      matchExpressions:
        ID: {op: In, value: ["fixtureos"]}
    - feature: cpu.topology
      matchExpressions:
        socket_count: {op: In, value: ["2"]}
    - feature: memory.numa
      matchExpressions:
        node_count: {op: In, value: ["2"]}
    - feature: memory.swap
      matchExpressions:
        enabled: {op: IsTrue}
    - feature: kernel.enabledmodule
      matchExpressions:
        jobfs: {op: Exists}
`)
	hostRoot := filepath.Join(ctr, argFlags(c.Args)["--host-root"])
	r := must(t, 0, "validate-node", "--spec", spec, "--host-root", hostRoot, "--no-color")
	if !strings.Contains(r.stdout, "COMPATIBLE") {
		t.Fatalf("report:\n%s", r.stdout)
	}
	// Without the host root, this machine is read instead, and fails.
	must(t, 1, "validate-node", "--spec", spec, "--no-color")
}
