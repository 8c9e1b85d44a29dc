package companion

import "github.com/spf13/cobra"

// Containerd is nfd-compat-containerd: the commands that talk to containerd
// through its client (grpc) or pull with nerdctl's pull.
func Containerd() Binary {
	return Binary{
		Name:     "nfd-compat-containerd",
		Install:  "install nfd-compat-containerd in the same directory as nfd-compat (`make build` builds both into bin/)",
		Commands: []func() *cobra.Command{Pull, Doctor, CheckImages},
	}
}

// Pull describes pull.
func Pull() *cobra.Command {
	return &cobra.Command{
		Use:   "pull IMAGE",
		Short: "Check an image against this host, then pull it into containerd (nerdctl-style)",
		Long: `Resolve IMAGE (hosts.toml under --hosts-dir, docker config.json), run the
same check containerd's image verifiers run (the image's newest
compatibility artifact, evaluated on this host's features, decided by the
policy in containerd's config.toml), print the full report when the image is
refused or warned about, and pull it with nerdctl's own pull (the code ` + "`nerdctl pull`" + ` runs: nerdctl v2.3's
transfer-service pull on containerd >= 2.0, its progress on stderr, its
--hosts-dir, --insecure-registry, --platform and --unpack). A containerd
with nfd-compat-verifier installed checks it again: fine.

An image pulled under another digest than the one checked (the tag moved
in between) is removed again, exit 2. Credentials come from docker
config.json and its credential helpers (` + "`nerdctl login`" + `), as for nerdctl.

Exit codes: 0 pulled (compatible, or allowed by the policy), 1 refused as
incompatible, 2 error (or refused by on_error=deny, or the tag moved), 3
refused for having no compatibility artifact (on_missing=deny).`,
		Example: `  nfd-compat pull registry.example.com/app:v1
  nfd-compat pull --namespace k8s.io --platform linux/arm64 --unpack false registry.example.com/app:v1
  nfd-compat pull --mode warn --on-missing deny registry.example.com/app:v1
  nfd-compat pull --insecure-registry 10.0.0.5:5000/app:v1`,
	}
}

// Doctor describes doctor.
func Doctor() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check this node's setup for pull-time enforcement and say what to fix",
		Long: `Check, one line each (ok, warn or FAIL, with the fix):

  node             which containerd this is: stock, k3s or RKE2, found by
                   which socket and config exist (flags override); on
                   k3s/RKE2 warns when the generated config.toml and its
                   template disagree on the policy stanza
  config           containerd's config.toml parses (imports followed)
  containerd       the daemon answers and is 2.1 or newer
  verifier-plugin  the daemon loaded the bindir verifier (or nfd-compat built in)
  cri-transfer     CRI pulls through the transfer service: none of the settings
                   that make it fall back to the local pull, which skips verifiers
  bin-dir          bin_dir exists and holds only executables
  verifier         nfd-compat-verifier is installed there and called
  policy           the policy stanza as the verifier reads it: bad values FAIL
                   (and say what the verifier does), unknown keys warn
  timeout          the policy's timeout is under per_verifier_timeout
  hosts            hosts.toml directory (config_path) exists and matches CRI's
  cache-dir        cache_dir is writable and private: owned by this user, not
                   writable by group/others (else the verifier ignores it);
                   stale temporary files
  features         feature discovery works on this host

Exit codes: 0 no check failed (warnings allowed), 2 at least one FAIL.`,
		Example: `  sudo nfd-compat doctor
  nfd-compat doctor --config /etc/containerd/config.toml --address /run/containerd/containerd.sock -o json`,
	}
}

// CheckImages describes check-images.
func CheckImages() *cobra.Command {
	return &cobra.Command{
		Use:   "check-images",
		Short: "Check the images already in containerd against this host as it is now",
		Long: `containerd checks an image only when it is pulled, so images already on a
node are never re-checked after a kernel upgrade, a driver removal or a
hardware change. check-images lists the images of a namespace (or all
namespaces) and runs the pull-time check on each one's stored digest, with
the policy's tags, exclude/include patterns and registry settings.

One row per image: compatible, incompatible (with the first failing
expressions), missing (no compatibility artifact), error, or skipped.

Exit codes: 0 no image incompatible, 1 at least one incompatible, 2 error.`,
		Example: `  nfd-compat check-images
  nfd-compat check-images --namespace k8s.io -o json
  nfd-compat check-images --all-namespaces`,
	}
}
