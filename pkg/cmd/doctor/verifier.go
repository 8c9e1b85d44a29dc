package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// bindir returns the bindir plugin's settings with containerd's defaults.
func (e *env) bindir() (bindirConfig, error) {
	bc := bindirConfig{BinDir: defaultBinDir, MaxVerifiers: defaultMaxVerf, PerVerifierTimeout: "10s"}
	err := e.cfg.decode(bindirURI, &bc)
	return bc, err
}

func (e *env) builtIn() bool {
	_, ok := e.daemon.verifiers["nfd-compat"]
	return ok && e.daemon.verifiers["nfd-compat"] == ""
}

// checkBinDir: every file in bin_dir is executed on every pull, and one
// that cannot be makes every pull fail.
func checkBinDir(e *env) Result {
	r := Result{Check: "bin-dir"}
	if e.cfg.disabled(bindirURI) {
		r.Status, r.Message = OK, "the bindir verifier is disabled"
		if !e.builtIn() {
			r.Status, r.Fix = Fail, fmt.Sprintf("remove %q from disabled_plugins, or run containerd-nfd", bindirURI)
		}
		return r
	}
	bc, err := e.bindir()
	if err != nil {
		r.Status, r.Message, r.Fix = Fail, err.Error(), "write bin_dir as a string, max_verifiers as an integer, per_verifier_timeout as a quoted duration"
		return r
	}
	entries, err := os.ReadDir(bc.BinDir)
	if err != nil {
		r.Status, r.Message = Fail, fmt.Sprintf("bin_dir %s: %v", bc.BinDir, err)
		r.Fix = fmt.Sprintf("install the verifier: contrib/containerd/install-verifier.sh (creates %s)", bc.BinDir)
		if e.builtIn() {
			r.Status, r.Message, r.Fix = OK, fmt.Sprintf("bin_dir %s does not exist; not needed with the built-in plugin", bc.BinDir), ""
		}
		return r
	}
	var bad []string
	for _, en := range entries {
		if problem := notExecutable(filepath.Join(bc.BinDir, en.Name())); problem != "" {
			bad = append(bad, en.Name()+" "+problem)
		}
	}
	if len(bad) > 0 {
		r.Status = Fail
		r.Message = fmt.Sprintf("bin_dir %s holds %s: containerd fails every pull", bc.BinDir, strings.Join(bad, ", "))
		r.Fix = "remove them or chmod 0755 the verifiers; bin_dir must hold only verifier executables"
		return r
	}
	r.Status, r.Message = OK, fmt.Sprintf("bin_dir %s holds %d executable(s)", bc.BinDir, len(entries))
	return r
}

// notExecutable says what is wrong with a bin_dir entry, "" if nothing.
func notExecutable(path string) string {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Sprintf("(%v)", err)
	case fi.IsDir():
		return "(a directory)"
	case !fi.Mode().IsRegular():
		return "(not a regular file)"
	case fi.Mode()&0o111 == 0:
		return fmt.Sprintf("(mode %04o, not executable)", fi.Mode().Perm())
	}
	return ""
}

// checkVerifier: our executable is in bin_dir, executable and called.
func checkVerifier(e *env) Result {
	r := Result{Check: "verifier"}
	if e.builtIn() {
		r.Status, r.Message = OK, "checked in-process by containerd-nfd"
		return r
	}
	bc, err := e.bindir()
	if err != nil || e.cfg.disabled(bindirURI) {
		r.Status, r.Message, r.Fix = Fail, "no bindir verifier to install into", "fix the bin-dir check first"
		return r
	}
	path := filepath.Join(bc.BinDir, e.opts.VerifierName)
	if problem := notExecutable(path); problem != "" {
		r.Status, r.Message = Fail, fmt.Sprintf("%s %s", path, problem)
		r.Fix = fmt.Sprintf("run contrib/containerd/install-verifier.sh, or: install -m 0755 nfd-compat-verifier %s/", bc.BinDir)
		return r
	}
	if bc.MaxVerifiers >= 0 {
		entries, _ := os.ReadDir(bc.BinDir)
		var names []string
		for _, en := range entries {
			names = append(names, en.Name())
		}
		slices.Sort(names)
		if i := slices.Index(names, e.opts.VerifierName); i >= bc.MaxVerifiers {
			r.Status = Fail
			r.Message = fmt.Sprintf("%s is verifier #%d by name but max_verifiers = %d: containerd never calls it", path, i+1, bc.MaxVerifiers)
			r.Fix = "raise max_verifiers (or -1 for no limit) or rename the other verifiers"
			return r
		}
	}
	r.Status, r.Message = OK, path+" is installed"
	return r
}

// checkPolicy: the stanza as the verifier reads it (policy.Load, the same
// call): bad values fail, unknown keys warn, and the message says what the
// verifier does about them.
func checkPolicy(e *env) Result {
	r := Result{Check: "policy"}
	p := e.policy
	if p == nil {
		r.Status, r.Message = Fail, fmt.Sprintf("%v: the verifier refuses every pull until it can read the config", e.policyErr)
		r.Fix = "fix the config file (the config check says more)"
		return r
	}
	var warnings []string
	if e.policySrc != nil {
		warnings = e.policySrc.Warnings
	}
	summary := fmt.Sprintf("mode=%s on_missing=%s on_error=%s timeout=%s", p.Mode, p.OnMissing, p.OnError, p.Timeout)
	switch {
	case e.policyErr != nil:
		does := "the verifier refuses every checked pull (enforce mode fails closed); excluded images still pass"
		if p.Mode != policy.ModeEnforce {
			does = "the verifier decides with the bad keys at their defaults and warns on every pull"
		}
		r.Status, r.Message = Fail, fmt.Sprintf("%v: %s (in effect: %s)", e.policyErr, does, summary)
		r.Fix = fmt.Sprintf("fix [plugins.%q]; valid keys: %s", policy.PluginURI, strings.Join(policy.Keys(), ", "))
		if len(warnings) > 0 {
			r.Message += "; " + strings.Join(warnings, "; ")
		}
		return r
	case len(warnings) > 0:
		r.Status, r.Message = Warn, strings.Join(warnings, "; ")+" (in effect: "+summary+")"
		r.Fix = "fix or remove the key; ignored keys change nothing, which is rarely what was meant"
		return r
	case e.policySrc == nil || !e.policySrc.Stanza:
		r.Status, r.Message = Warn, "no policy stanza: the defaults apply ("+summary+")"
		r.Fix = fmt.Sprintf("add [plugins.%q] to the config or an import (contrib/containerd/nfd-compat.toml)", policy.PluginURI)
		return r
	}
	r.Status, r.Message = OK, summary
	if p.Mode == policy.ModeOff {
		r.Status, r.Fix = Warn, `mode = "off" checks nothing: use "warn" to observe or "enforce" to refuse`
	}
	return r
}

// checkTimeout: a verifier still running at per_verifier_timeout is killed
// and the pull fails, whatever on_error says; our timeout must end first.
func checkTimeout(e *env) Result {
	if e.policy == nil {
		return needPolicy("timeout", "compare")
	}
	r := Result{Check: "timeout"}
	if e.builtIn() {
		r.Status, r.Message = OK, fmt.Sprintf("timeout %s (built-in plugin: no per_verifier_timeout)", e.policy.Timeout)
		return r
	}
	bc, err := e.bindir()
	if err != nil {
		r.Status, r.Message, r.Fix = Warn, err.Error(), "fix the bin-dir check first"
		return r
	}
	per, err := time.ParseDuration(bc.PerVerifierTimeout)
	if err != nil {
		r.Status, r.Message, r.Fix = Fail, fmt.Sprintf("per_verifier_timeout = %q: %v", bc.PerVerifierTimeout, err), `write a quoted duration such as "10s"`
		return r
	}
	ours := e.policy.Timeout.Std()
	switch {
	case ours >= per:
		r.Status = Fail
		r.Message = fmt.Sprintf("policy timeout %s is not under per_verifier_timeout %s: a slow registry makes containerd kill the verifier and fail the pull, ignoring on_error", ours, per)
		r.Fix = fmt.Sprintf("lower the policy's timeout to at most %s, or raise per_verifier_timeout", per-time.Second)
	case per-ours < time.Second:
		r.Status = Warn
		r.Message = fmt.Sprintf("policy timeout %s leaves under 1s of per_verifier_timeout %s for process start and the audit log", ours, per)
		r.Fix = fmt.Sprintf("lower timeout to %s or less", per-time.Second)
	default:
		r.Status, r.Message = OK, fmt.Sprintf("policy timeout %s < per_verifier_timeout %s", ours, per)
	}
	return r
}

// checkHosts: the verifier reads hosts.toml from the policy's config_path;
// CRI from its registry.config_path. Different ones mean the verifier may
// reach a registry differently (or not at all) than the pull does.
func checkHosts(e *env) Result {
	if e.policy == nil {
		return needPolicy("hosts", "read config_path from")
	}
	r := Result{Check: "hosts"}
	var missing []string
	for _, d := range filepath.SplitList(e.policy.ConfigPath) {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			missing = append(missing, d)
		}
	}
	criPath := ""
	if e.cfg != nil {
		if ci, _, err := e.cfg.criImageConfig(); err == nil {
			criPath = ci.Registry.ConfigPath
		}
	}
	switch {
	case criPath != "" && criPath != e.policy.ConfigPath:
		r.Status = Warn
		r.Message = fmt.Sprintf("the policy's config_path %q differs from CRI's registry.config_path %q: the verifier may not use the same mirrors and CAs as the pull", e.policy.ConfigPath, criPath)
		r.Fix = fmt.Sprintf("set config_path = %q in the policy stanza", criPath)
	case len(missing) > 0:
		r.Status = Warn
		r.Message = fmt.Sprintf("config_path %s does not exist: the verifier uses HTTPS with system CAs and no mirrors", strings.Join(missing, ", "))
		r.Fix = "fine if no registry needs hosts.toml; else point config_path at the directory holding <registry>/hosts.toml"
	default:
		r.Status, r.Message = OK, "hosts.toml from "+e.policy.ConfigPath
	}
	return r
}

// checkCacheDir: the features and spec caches and the audit log live
// here; the verifier bypasses a directory others could write to
// (cache.Check, the verifier's own rule) and cleans stale temporary files.
func checkCacheDir(e *env) Result {
	if e.policy == nil {
		return needPolicy("cache-dir", "read cache_dir from")
	}
	r := Result{Check: "cache-dir"}
	dir := e.policy.CacheDir
	rep := cache.Check(dir)
	if err := rep.Err(); err != nil {
		r.Status = Fail
		r.Message = fmt.Sprintf("%v: the verifier does not use it (no caches, no audit.jsonl)", err)
		r.Fix = fmt.Sprintf("make %s and its subdirectories owned by containerd's user and not writable by group or others (chown -R root: %s; chmod -R go-w %s), or set cache_dir elsewhere", dir, dir, dir)
		return r
	}
	if rep.Missing {
		parent := rep.Parent
		if err := writable(parent); err != nil {
			r.Status, r.Message = Fail, fmt.Sprintf("cache_dir %s does not exist and %s is not writable: %v", dir, parent, err)
			r.Fix = fmt.Sprintf("mkdir -m 0700 -p %s (as the user containerd runs as)", dir)
			return r
		}
		r.Status, r.Message = OK, fmt.Sprintf("cache_dir %s will be created (mode 0700) on the first pull", dir)
		return r
	}
	if err := writable(rep.Dir); err != nil {
		r.Status, r.Message = Fail, fmt.Sprintf("cache_dir %s: %v", dir, err)
		r.Fix = fmt.Sprintf("make %s a directory writable by containerd's user, or set cache_dir elsewhere", dir)
		return r
	}
	if n := len(rep.StaleTemps); n > 0 {
		r.Status = Warn
		r.Message = fmt.Sprintf("cache_dir %s holds %d stale temporary file(s) a killed writer left (e.g. %s)", dir, n, rep.StaleTemps[0])
		r.Fix = "harmless; the next verifier run removes them"
		return r
	}
	r.Status, r.Message = OK, fmt.Sprintf("cache_dir %s is writable and private (audit log: %s)", dir, filepath.Join(dir, "audit.jsonl"))
	return r
}

// needPolicy is the Result of a check that reads the policy when there is
// no valid one: a warning pointing at the policy check.
func needPolicy(check, what string) Result {
	return Result{Check: check, Status: Warn, Message: "no valid policy to " + what, Fix: "fix the policy check first"}
}

// writable creates and removes a file in dir.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".nfd-compat-doctor-")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
