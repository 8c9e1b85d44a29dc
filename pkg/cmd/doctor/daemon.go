package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/containerd/containerd/v2/client"

	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
)

// minVersion is the oldest containerd whose CRI pulls through the transfer
// service by default, so that image verifiers see kubelet pulls too.
var minVersion = semver.MustParse("2.1.0")

// daemon is what the running containerd says about itself.
type daemon struct {
	address string
	version string
	err     error
	// verifiers maps image-verifier plugin IDs to their init error ("" when
	// loaded).
	verifiers map[string]string
}

func askDaemon(ctx context.Context, e *env) *daemon {
	d := &daemon{address: e.address}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	c, err := client.New(d.address, client.WithTimeout(e.timeout))
	if err != nil {
		d.err = err
		return d
	}
	defer c.Close()
	v, err := c.Version(ctx)
	if err != nil {
		d.err = err
		return d
	}
	d.version = v.Version
	resp, err := c.IntrospectionService().Plugins(ctx, "type==io.containerd.image-verifier.v1")
	if err != nil {
		return d
	}
	d.verifiers = map[string]string{}
	for _, p := range resp.Plugins {
		msg := ""
		if p.InitErr != nil {
			msg = p.InitErr.Message
			if msg == "" {
				msg = "failed to initialize"
			}
		}
		d.verifiers[p.ID] = msg
	}
	return d
}

func checkDaemon(e *env) Result {
	r := Result{Check: "containerd"}
	d := e.daemon
	if d.err != nil {
		r.Status, r.Message = Fail, fmt.Sprintf("not reachable at %s: %v", d.address, d.err)
		r.Fix = "start containerd (systemctl start containerd), or point --address at its socket (the config's [grpc] address)"
		if n := e.opts.Node; n != nil && n.Distro != containerdpaths.Stock && d.address == n.Address {
			r.Fix = fmt.Sprintf("start %s (systemctl start %s), or point --address at its containerd's socket", n.Distro, strings.Join(n.Services, " or "))
		}
		return r
	}
	v, err := semver.NewVersion(strings.TrimPrefix(d.version, "v"))
	if err == nil && strings.HasPrefix(v.Prerelease(), "k3s") {
		// k3s and RKE2 ship containerd releases with a -k3sN build suffix
		// (v2.2.3-k3s1): the release itself, not a pre-release of it.
		rel, _ := v.SetPrerelease("")
		v = &rel
	}
	switch {
	case err != nil:
		r.Status, r.Message = Warn, fmt.Sprintf("reachable at %s, version %q is not a release version", d.address, d.version)
		r.Fix = fmt.Sprintf("make sure it is containerd %s or newer", minVersion)
	case v.LessThan(minVersion):
		r.Status, r.Message = Fail, fmt.Sprintf("version %s at %s is older than %s", d.version, d.address, minVersion)
		r.Fix = fmt.Sprintf("upgrade to containerd %s or newer: older versions have no image verifiers (before 2.0) or let CRI pull around the transfer service", minVersion)
	default:
		r.Status, r.Message = OK, fmt.Sprintf("version %s at %s", d.version, d.address)
	}
	return r
}

// checkPlugins reports whether the daemon actually loaded a verifier that
// runs ours: the bindir plugin, or nfd-compat built in (containerd-nfd).
func checkPlugins(e *env) Result {
	r := Result{Check: "verifier-plugin"}
	d := e.daemon
	if d.err != nil || d.verifiers == nil {
		r.Status, r.Message = Warn, "could not ask containerd which image verifiers it loaded"
		r.Fix = "fix the containerd check first"
		return r
	}
	if msg, ok := d.verifiers["nfd-compat"]; ok {
		if msg != "" {
			r.Status, r.Message, r.Fix = Fail, "the built-in nfd-compat verifier failed to load: "+msg, "fix the policy stanza (see the policy check) and restart containerd"
			return r
		}
		r.Status, r.Message = OK, "nfd-compat is built into this containerd (containerd-nfd)"
		return r
	}
	msg, ok := d.verifiers["bindir"]
	switch {
	case !ok:
		r.Status, r.Message = Fail, "containerd loaded no bindir image verifier"
		r.Fix = fmt.Sprintf("remove %q from disabled_plugins and restart containerd", bindirURI)
	case msg != "":
		r.Status, r.Message = Fail, "the bindir image verifier failed to load: "+msg
		r.Fix = fmt.Sprintf("fix [plugins.%q] and restart containerd", bindirURI)
	default:
		r.Status, r.Message = OK, "containerd runs the bindir image verifier"
	}
	return r
}
