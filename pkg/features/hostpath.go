package features

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/node-feature-discovery/pkg/utils/hostpath"
)

// hostDirs is a value of NFD's host directory variables (pkg/utils/hostpath).
// Upstream sets them at build time (-X ...hostpath.pathPrefix=/host-); they
// are exported package variables, so they can be set at run time too.
type hostDirs struct {
	boot, etc, sys, usr, vars, lib, proc hostpath.HostDir
}

func currentHostDirs() hostDirs {
	return hostDirs{
		boot: hostpath.BootDir, etc: hostpath.EtcDir, sys: hostpath.SysfsDir,
		usr: hostpath.UsrDir, vars: hostpath.VarDir, lib: hostpath.LibDir, proc: hostpath.ProcDir,
	}
}

// apply sets NFD's variables and returns a function that restores the
// previous values.
func (d hostDirs) apply() (restore func()) {
	prev := currentHostDirs()
	set := func(v hostDirs) {
		hostpath.BootDir, hostpath.EtcDir, hostpath.SysfsDir = v.boot, v.etc, v.sys
		hostpath.UsrDir, hostpath.VarDir, hostpath.LibDir, hostpath.ProcDir = v.usr, v.vars, v.lib, v.proc
	}
	set(d)
	return func() { set(prev) }
}

// prefixedHostDirs builds the directories as upstream does from its
// pathPrefix: prefix + "sys", prefix + "proc", ...
func prefixedHostDirs(prefix string) hostDirs {
	dir := func(name string) hostpath.HostDir { return hostpath.HostDir(prefix + name) }
	return hostDirs{
		boot: dir("boot"), etc: dir("etc"), sys: dir("sys"), usr: dir("usr"),
		vars: dir("var"), lib: dir("lib"), proc: dir("proc"),
	}
}

// hostDirsFor returns the directories for the options, or ok=false when
// neither HostRoot nor HostPrefix is set (NFD's current values are kept).
func hostDirsFor(opts DiscoverOptions) (dirs hostDirs, ok bool, err error) {
	switch {
	case opts.HostRoot != "" && opts.HostPrefix != "":
		return hostDirs{}, false, fmt.Errorf("host root %q and host prefix %q both set: use only one", opts.HostRoot, opts.HostPrefix)
	case opts.HostRoot != "":
		root := filepath.Clean(opts.HostRoot)
		if fi, err := os.Stat(root); err != nil {
			return hostDirs{}, false, fmt.Errorf("host root: %w", err)
		} else if !fi.IsDir() {
			return hostDirs{}, false, fmt.Errorf("host root %s is not a directory", root)
		}
		if root == string(filepath.Separator) {
			return prefixedHostDirs(root), true, nil
		}
		return prefixedHostDirs(root + string(filepath.Separator)), true, nil
	case opts.HostPrefix != "":
		if !strings.HasPrefix(opts.HostPrefix, "/") {
			return hostDirs{}, false, fmt.Errorf("host prefix %q must be absolute, like upstream's \"/host-\"", opts.HostPrefix)
		}
		return prefixedHostDirs(opts.HostPrefix), true, nil
	}
	return hostDirs{}, false, nil
}
