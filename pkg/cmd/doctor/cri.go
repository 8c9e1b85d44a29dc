package doctor

import (
	"fmt"
	"strings"
)

// checkCRI finds the CRI settings that make containerd pull without the
// transfer service: then kubelet pulls skip every image verifier, and
// containerd says so only once, in a startup warning.
func checkCRI(e *env) Result {
	r := Result{Check: "cri-transfer"}
	if e.cfg == nil {
		r.Status, r.Message, r.Fix = Warn, "no containerd config to check", "fix the config check first"
		return r
	}
	if e.cfg.disabled(criImagesURI) || e.cfg.disabled(criGRPCURI) {
		r.Status, r.Message = OK, "CRI is disabled: no kubelet pulls to check"
		return r
	}
	ci, uri, err := e.cfg.criImageConfig()
	if err != nil {
		r.Status, r.Message, r.Fix = Fail, err.Error(), "fix the CRI image settings' types"
		return r
	}
	table := fmt.Sprintf("[plugins.%q]", uri)
	var bad []string
	if ci.UseLocalImagePull != nil && *ci.UseLocalImagePull {
		bad = append(bad, "use_local_image_pull = true")
	}
	if ci.DisableSnapshotAnnotations != nil && !*ci.DisableSnapshotAnnotations {
		bad = append(bad, "disable_snapshot_annotations = false (configure snapshot annotations on the snapshotter instead)")
	}
	if ci.DiscardUnpackedLayers != nil && *ci.DiscardUnpackedLayers {
		bad = append(bad, "discard_unpacked_layers = true")
	}
	if ci.MaxConcurrentDownloads != nil && *ci.MaxConcurrentDownloads != 3 {
		bad = append(bad, fmt.Sprintf("max_concurrent_downloads = %d (set it in [plugins.\"io.containerd.transfer.v1.local\"] instead)", *ci.MaxConcurrentDownloads))
	}
	if len(ci.Registry.Mirrors) > 0 {
		bad = append(bad, "registry.mirrors (deprecated: use hosts.toml under registry.config_path)")
	}
	if len(ci.Registry.Configs) > 0 {
		bad = append(bad, "registry.configs (deprecated: use hosts.toml under registry.config_path)")
	}
	if len(ci.Registry.Auths) > 0 {
		bad = append(bad, "registry.auths (deprecated: use registry.configs' auth or the kubelet's image pull secrets)")
	}
	if ci.ImagePullWithSyncFs != nil && *ci.ImagePullWithSyncFs {
		bad = append(bad, "image_pull_with_sync_fs = true")
	}
	if len(bad) > 0 {
		r.Status = Fail
		r.Message = fmt.Sprintf("%s has %s: CRI then pulls without the transfer service and no image verifier sees kubelet pulls", table, strings.Join(bad, "; "))
		r.Fix = "remove those settings (use_local_image_pull = false) and restart containerd"
		return r
	}
	r.Status, r.Message = OK, "CRI pulls through the transfer service, so verifiers see kubelet pulls"
	if e.cfg.fileVersion < 3 {
		r.Status = Warn
		r.Message += fmt.Sprintf(" (config version %d is migrated at every start)", e.cfg.fileVersion)
		r.Fix = "run `containerd config migrate` and install its output as config.toml"
	}
	return r
}
