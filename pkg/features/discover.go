package features

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/source"
	"sigs.k8s.io/node-feature-discovery/source/kernel"
)

// Features is NFD's feature model: flags, attributes and instances keyed by
// "<source>.<feature>", e.g. "cpu.cpuid", "pci.device".
type Features = nfdv1alpha1.Features

// DiscoverOptions selects the sources and the host Discover looks at.
type DiscoverOptions struct {
	// Sources are feature source names; empty means DefaultSources.
	Sources []string
	// HostRoot is where the host's root file system is mounted, e.g. "/host":
	// NFD then reads /host/sys, /host/proc, /host/etc, /host/lib, /host/usr,
	// /host/boot and /host/var.
	HostRoot string
	// HostPrefix is upstream's spelling (its build-time pathPrefix): "/host-"
	// reads /host-sys, /host-proc, ... Only one of HostRoot and HostPrefix may be set.
	HostPrefix string
	// Log receives per-source failures and NFD's klog output, at Debug level.
	// Nil discards them.
	Log logrus.FieldLogger
	// Keep, when set, selects the features (by name, e.g. "kernel.version")
	// the caller reads: Discover returns only those, and skips reading what
	// none of them needs. Today that is the kernel source's kconfig
	// (/proc/config.gz, half of a host's discovery time), read only when
	// "kernel.config" is kept. Nil keeps all.
	Keep func(feature string) bool
}

// discoverMu serialises Discover. NFD's sources are singletons that keep their
// results and configuration in package variables, and the host directories and
// klog's sink are process-wide too, so two discoveries at once would mix each
// other's results and host roots.
var discoverMu sync.Mutex

// Discover runs the selected NFD feature sources on this host and returns
// their features merged as NFD's source.GetAllFeatures does, restricted to
// those sources. Each source gets NFD's default configuration, as nfd-worker
// gives it without a config file.
//
// A source that fails (or panics) is logged at Debug and left out; Discover
// fails only for unknown source names, bad host options, a cancelled ctx, or
// when no requested source ran at all.
//
// Upstream NFD reads some files without the host prefix (the kernel version
// from /proc/sys/kernel/osrelease, /proc/modules, /proc/config.gz,
// /proc/cpuinfo, CPUID itself, and local's /etc/kubernetes/node-feature-discovery/features.d):
// those always describe the running kernel and this process's view of the host.
//
// Discover calls are serialised; ctx is checked between sources.
func Discover(ctx context.Context, opts DiscoverOptions) (*Features, error) {
	names, err := resolveSources(opts.Sources)
	if err != nil {
		return nil, err
	}
	dirs, setDirs, err := hostDirsFor(opts)
	if err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = discardLogger()
	}

	discoverMu.Lock()
	defer discoverMu.Unlock()
	if setDirs {
		defer dirs.apply()()
	}
	defer routeKlog(log)()

	features := nfdv1alpha1.NewFeatures()
	var failed []string
	ran := 0
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("feature discovery stopped before source %s: %w", name, err)
		}
		if name == customSource {
			log.WithField("source", name).Debug("custom is a label-only source in NFD; it adds no features")
			failed = append(failed, name+": label-only source, no features")
			continue
		}
		s := source.GetFeatureSource(name)
		if err := runSource(s, opts.Keep); err != nil {
			log.WithField("source", name).WithError(err).Debug("feature source failed; its features are left out")
			failed = append(failed, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		addPrefixed(features, name, s.GetFeatures(), opts.Keep)
		ran++
	}
	if ran == 0 {
		return nil, fmt.Errorf("no feature source could run (%s); check the host root and that /sys and /proc are mounted",
			strings.Join(failed, "; "))
	}
	return features, nil
}

// runSource resets s to its default configuration (narrowed to what keep
// needs, see narrowConfig) and runs its discovery. NFD sources index into
// file contents without checks in places (an empty selinux/enforce file
// panics), so a panic becomes this source's error.
func runSource(s source.FeatureSource, keep func(string) bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("source %s panicked: %v", s.Name(), r)
		}
	}()
	if cs, ok := s.(source.ConfigurableSource); ok {
		cs.SetConfig(narrowConfig(cs.NewConfig(), keep))
	}
	if err := s.Discover(); err != nil {
		return err
	}
	if s.GetFeatures() == nil {
		return errors.New("source returned no features")
	}
	return nil
}

// narrowConfig returns a source's default configuration c, changed so that
// it skips reading what no feature keep accepts needs. The kernel source
// reads its kconfig from KconfigFile when that is set, before searching
// /proc/config.gz and /boot: the empty os.DevNull gives an empty
// kernel.config, which addPrefixed then leaves out.
func narrowConfig(c source.Config, keep func(string) bool) source.Config {
	if kc, ok := c.(*kernel.Config); ok && keep != nil && !keep(kernelConfigFeature) {
		kc.KconfigFile = os.DevNull
	}
	return c
}

// kernelConfigFeature is NFD's kconfig feature, filled by the kernel source.
const kernelConfigFeature = kernel.Name + "." + kernel.ConfigFeature

// addPrefixed copies f into out with keys prefixed by the source name, as
// NFD's source.GetAllFeatures does, keeping what keep accepts (nil: all).
// Copies, so that the source's next run cannot change what a caller holds.
func addPrefixed(out *Features, name string, f *Features, keep func(string) bool) {
	for k, v := range f.Flags {
		if k = name + "." + k; keep == nil || keep(k) {
			out.Flags[k] = *v.DeepCopy()
		}
	}
	for k, v := range f.Attributes {
		if k = name + "." + k; keep == nil || keep(k) {
			out.Attributes[k] = *v.DeepCopy()
		}
	}
	for k, v := range f.Instances {
		if k = name + "." + k; keep == nil || keep(k) {
			out.Instances[k] = *v.DeepCopy()
		}
	}
}
