package policy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	srvconfig "github.com/containerd/containerd/v2/cmd/containerd/server/config"
	"github.com/containerd/containerd/v2/version"
	"github.com/containerd/log"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
)

// DefaultConfigFile is stock containerd's config file.
const DefaultConfigFile = containerdpaths.StockConfig

// ConfigEnv names the containerd config file to read the policy from
// instead of DefaultConfigFile (the bindir executable, pull, check-images).
const ConfigEnv = "NFD_COMPAT_CONFIG"

// ConfigFile says which config file to read: flag when not empty, else
// $NFD_COMPAT_CONFIG, else the config of this node's containerd
// (containerdpaths.Detect: k3s's or RKE2's generated config.toml on those,
// else DefaultConfigFile). explicit is false only for the detected file,
// whose absence means the defaults (containerd runs on its defaults too); a
// missing file that was named is an error.
func ConfigFile(flag string, getenv func(string) string) (path string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	if p := getenv(ConfigEnv); p != "" {
		return p, true
	}
	return containerdpaths.Detect("").Config, false
}

// Source says where a loaded policy came from and what was odd about it.
type Source struct {
	// File is the config file named (its imports are followed).
	File string
	// Missing is set when File is the default and does not exist: the
	// defaults apply.
	Missing bool
	// Config is containerd's merged config (nil when Missing), as
	// containerd's own loader reads it.
	Config *srvconfig.Config
	// Stanza is set when the merged config has the policy stanza.
	Stanza bool
	// Warnings are problems that change nothing: unknown keys in the
	// stanza, which are ignored (as containerd ignores them).
	Warnings []string
}

// Load reads the policy from a containerd config.toml with containerd's
// own loader (server/config.LoadConfig: imports breadth first, each file
// once, relative to the importing file, '*' globs, later files overriding
// earlier ones key by key, version 1 to 4 files), then decodes the stanza
// with Decode. A missing file is an error when explicit (see ConfigFile),
// the defaults otherwise.
//
// The error is either about the file (unreadable, not TOML, a missing
// import, a version too new: the policy is nil) or wraps ErrInvalid for bad
// values in the stanza: then the policy is also returned, with the bad keys
// at their defaults and Invalid set (see Decide for what that does).
func Load(path string, explicit bool) (*Policy, *Source, error) {
	src := &Source{File: path}
	if _, err := os.Stat(path); !explicit && errors.Is(err, fs.ErrNotExist) {
		src.Missing = true
		return Default(), src, nil
	}
	cfg, err := LoadContainerdConfig(path)
	if err != nil {
		return nil, src, err
	}
	src.Config = cfg
	stanza, ok := cfg.Plugins[PluginURI]
	src.Stanza = ok
	pol, warnings, err := Decode(stanza)
	src.Warnings = warnings
	if err != nil {
		return pol, src, fmt.Errorf("%s (imports merged): %w", path, err)
	}
	return pol, src, nil
}

// LoadContainerdConfig reads path and its imports with containerd's
// LoadConfig, migrated to the newest config version as containerd's main
// does. containerd's loader logs the file and position of a TOML error
// instead of returning them; they are put into the error here.
func LoadContainerdConfig(path string) (*srvconfig.Config, error) {
	capture := &captureHook{}
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.AddHook(capture)
	ctx := log.WithLogger(context.Background(), logrus.NewEntry(l))
	cfg := &srvconfig.Config{Version: version.ConfigVersion}
	if err := srvconfig.LoadConfig(ctx, path, cfg); err != nil {
		if where := capture.where(); where != "" {
			return nil, fmt.Errorf("read containerd config: %s: %w", where, err)
		}
		return nil, fmt.Errorf("read containerd config: %w", err)
	}
	return cfg, nil
}

// captureHook keeps the file, row and column of the TOML error containerd
// logs.
type captureHook struct {
	mu   sync.Mutex
	last string
}

func (*captureHook) Levels() []logrus.Level { return []logrus.Level{logrus.ErrorLevel} }

func (h *captureHook) Fire(e *logrus.Entry) error {
	file, _ := e.Data["file"].(string)
	if file == "" {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = fmt.Sprintf("%s:%v:%v", file, e.Data["row"], e.Data["column"])
	return nil
}

func (h *captureHook) where() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}
