package doctor

import (
	"fmt"
	"os"
	"slices"

	srvconfig "github.com/containerd/containerd/v2/cmd/containerd/server/config"
	"github.com/containerd/containerd/v2/defaults"
	"github.com/pelletier/go-toml/v2"
)

// Plugin URIs doctor reads.
const (
	bindirURI      = "io.containerd.image-verifier.v1.bindir"
	criImagesURI   = "io.containerd.cri.v1.images"
	criGRPCURI     = "io.containerd.grpc.v1.cri"
	grpcServerURI  = "io.containerd.server.v1.grpc"
	defaultBinDir  = "/opt/containerd/image-verifier/bin"
	defaultMaxVerf = 10
)

// ctrdConfig is containerd's merged config and the main file's version.
type ctrdConfig struct {
	*srvconfig.Config
	// fileVersion is the main file's version: 2 keeps CRI settings under
	// io.containerd.grpc.v1.cri, 3 and later under io.containerd.cri.v1.*.
	fileVersion int
}

// newCtrdConfig wraps the config policy.Load read with containerd's own
// loader (the verifier's and containerd's view of the file) with the main
// file's version.
func newCtrdConfig(path string, cfg *srvconfig.Config) (*ctrdConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var head struct {
		Version int `toml:"version"`
	}
	if err := toml.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &ctrdConfig{Config: cfg, fileVersion: head.Version}, nil
}

// disabled reports whether a plugin is in disabled_plugins.
func (c *ctrdConfig) disabled(uri string) bool {
	return c != nil && slices.Contains(c.DisabledPlugins, uri)
}

// decode decodes a plugin's table into v (leniently: unknown keys are
// containerd's business). A missing table leaves v as it is.
func (c *ctrdConfig) decode(uri string, v any) error {
	if c == nil {
		return nil
	}
	data, ok := c.Plugins[uri]
	if !ok {
		return nil
	}
	b, err := toml.Marshal(data)
	if err != nil {
		return err
	}
	if err := toml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("[plugins.%q]: %w", uri, err)
	}
	return nil
}

// address is where the daemon listens by this config, else fallback (k3s
// and RKE2 set the socket by flag, not in config.toml), else containerd's
// default.
func (c *ctrdConfig) address(fallback string) string {
	if c != nil {
		var grpc struct {
			Address string `toml:"address"`
		}
		if err := c.decode(grpcServerURI, &grpc); err == nil && grpc.Address != "" {
			return grpc.Address
		}
		if c.GRPC.Address != "" {
			return c.GRPC.Address
		}
	}
	if fallback != "" {
		return fallback
	}
	return defaults.DefaultAddress
}

// bindirConfig is the bindir verifier's config with containerd's defaults.
type bindirConfig struct {
	BinDir             string `toml:"bin_dir"`
	MaxVerifiers       int    `toml:"max_verifiers"`
	PerVerifierTimeout string `toml:"per_verifier_timeout"`
}

// criImages are the CRI image settings that decide between the transfer
// service and the local pull. Pointers tell "unset" (the default) apart.
type criImages struct {
	UseLocalImagePull          *bool `toml:"use_local_image_pull"`
	DisableSnapshotAnnotations *bool `toml:"disable_snapshot_annotations"`
	DiscardUnpackedLayers      *bool `toml:"discard_unpacked_layers"`
	MaxConcurrentDownloads     *int  `toml:"max_concurrent_downloads"`
	ImagePullWithSyncFs        *bool `toml:"image_pull_with_sync_fs"`
	Registry                   struct {
		ConfigPath string         `toml:"config_path"`
		Mirrors    map[string]any `toml:"mirrors"`
		Configs    map[string]any `toml:"configs"`
		Auths      map[string]any `toml:"auths"`
	} `toml:"registry"`
	// Version 2 spelling: under [plugins."io.containerd.grpc.v1.cri".containerd].
	Containerd struct {
		DisableSnapshotAnnotations *bool `toml:"disable_snapshot_annotations"`
		DiscardUnpackedLayers      *bool `toml:"discard_unpacked_layers"`
	} `toml:"containerd"`
}

// criImageConfig returns the CRI image settings and the table they came
// from: io.containerd.cri.v1.images, or for version 2 files the
// io.containerd.grpc.v1.cri table containerd migrates them from.
func (c *ctrdConfig) criImageConfig() (criImages, string, error) {
	var ci criImages
	uri := criImagesURI
	if c.fileVersion < 3 {
		uri = criGRPCURI
	}
	if err := c.decode(uri, &ci); err != nil {
		return ci, uri, err
	}
	if c.fileVersion < 3 {
		if ci.Containerd.DisableSnapshotAnnotations != nil {
			ci.DisableSnapshotAnnotations = ci.Containerd.DisableSnapshotAnnotations
		}
		if ci.Containerd.DiscardUnpackedLayers != nil {
			ci.DiscardUnpackedLayers = ci.Containerd.DiscardUnpackedLayers
		}
	}
	return ci, uri, nil
}
