package containerdtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PolicyStanza is the table nfd-compat's verifiers read their policy from.
const PolicyStanza = `plugins."io.containerd.image-verifier.v1.nfd-compat"`

// Policy is the nfd-compat policy written into the daemon's config.toml;
// zero fields are left out so the verifier's defaults apply. cache_dir and
// config_path always point into the daemon's temp dir.
type Policy struct {
	Mode      string // enforce | warn | off
	OnMissing string // allow | deny
	OnError   string // allow | deny
	Tags      []string
	Exclude   []string
	Include   []string
	Timeout   time.Duration
	// Extra is more TOML lines for the stanza.
	Extra string
}

// Options shape a daemon.
type Options struct {
	// Binary is the daemon to run; empty means containerd (Bins.Containerd).
	// Use Bins.ContainerdNFD for the in-process verifier.
	Binary string
	// Verifiers are executables copied into the bindir verifier's bin_dir.
	Verifiers []string
	// PerVerifierTimeout is the bindir plugin's per_verifier_timeout; zero
	// means 10s, containerd's default.
	PerVerifierTimeout time.Duration
	// Policy is written as the nfd-compat stanza; nil writes none.
	Policy *Policy
	// Extra is more TOML appended to config.toml.
	Extra string
	// Env is added to the daemon's environment (so to the verifiers').
	Env []string
	// Imports are config files containerd merges over config.toml (later
	// tables replace earlier ones key by key). None by default, so the
	// host's /etc/containerd/conf.d is never read.
	Imports []string
	// Metrics serves the daemon's metrics on a free loopback port
	// ([metrics] address; Daemon.Metrics scrapes it).
	Metrics bool
	// Resident runs the resident verifier (nfd-compat-verifierd serve,
	// Daemon.Verifierd) on Daemon.VerifierSocket before containerd starts,
	// for the client in bin_dir. Without it nothing listens there, so the
	// client falls back. Either way containerd's environment names that
	// socket and Bins.VerifierD as the client's fallback.
	Resident bool
}

func (p *Policy) toml(cacheDir, configPath string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\n", PolicyStanza)
	str := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %s = %s\n", k, strconv.Quote(v))
		}
	}
	list := func(k string, vs []string) {
		if vs == nil {
			return
		}
		q := make([]string, len(vs))
		for i, v := range vs {
			q[i] = strconv.Quote(v)
		}
		fmt.Fprintf(&b, "  %s = [%s]\n", k, strings.Join(q, ", "))
	}
	str("mode", p.Mode)
	str("on_missing", p.OnMissing)
	str("on_error", p.OnError)
	list("tags", p.Tags)
	list("exclude", p.Exclude)
	list("include", p.Include)
	if p.Timeout > 0 {
		str("timeout", p.Timeout.String())
	}
	str("cache_dir", cacheDir)
	str("config_path", configPath)
	if p.Extra != "" {
		b.WriteString(p.Extra + "\n")
	}
	return b.String()
}

// config renders config.toml. The CRI settings are those that keep the CRI
// image service on the transfer service (so verifiers run on crictl pulls)
// and keep it off the host's /etc/cni, /etc/cdi and TCP ports.
func (d *Daemon) config(opts Options) string {
	timeout := opts.PerVerifierTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	var b strings.Builder
	imports := make([]string, len(opts.Imports))
	for i, p := range opts.Imports {
		imports[i] = strconv.Quote(p)
	}
	fmt.Fprintf(&b, "version = 3\nimports = [%s]\n", strings.Join(imports, ", "))
	fmt.Fprintf(&b, `root = %[1]q
state = %[2]q

[grpc]
  address = %[3]q
[ttrpc]
  address = %[4]q
[debug]
  level = "debug"

[plugins."io.containerd.image-verifier.v1.bindir"]
  bin_dir = %[5]q
  per_verifier_timeout = %[6]q
[plugins."io.containerd.nri.v1.nri"]
  socket_path = %[7]q
[plugins."io.containerd.cri.v1.images"]
  use_local_image_pull = false
[plugins."io.containerd.cri.v1.images".registry]
  config_path = %[8]q
[plugins."io.containerd.cri.v1.runtime"]
  cdi_spec_dirs = [%[9]q]
[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dirs = [%[10]q]
  conf_dir = %[11]q
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
`, d.Dir+"/root", d.Dir+"/state", d.Address, d.Address+".ttrpc", d.BinDir, timeout.String(),
		d.Dir+"/nri.sock", d.HostsDir, d.Dir+"/cdi", d.Dir+"/cni/bin", d.Dir+"/cni/conf")
	if d.MetricsAddress != "" {
		fmt.Fprintf(&b, "[metrics]\n  address = %q\n", d.MetricsAddress)
	}
	if opts.Policy != nil {
		b.WriteString(opts.Policy.toml(d.CacheDir, d.HostsDir))
	}
	if opts.Extra != "" {
		b.WriteString(opts.Extra + "\n")
	}
	return b.String()
}
