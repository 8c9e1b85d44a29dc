package doctor

import (
	"fmt"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
)

// checkNode says which containerd doctor looks at: the one found on the
// node, and what the flags overrode. Another containerd present is a
// warning: each one's verifier must read its own config.
func checkNode(e *env) Result {
	n := e.opts.Node
	r := Result{Check: "node", Status: OK, Message: n.String()}
	var over []string
	if e.opts.ConfigFile != n.Config {
		over = append(over, "config "+e.opts.ConfigFile)
	}
	if e.address != n.Address {
		over = append(over, "address "+e.address)
	}
	if len(over) > 0 {
		r.Message += "; checking " + strings.Join(over, ", ") + " instead"
	}
	if len(n.Others) > 0 {
		r.Status = Warn
		var units []string
		for _, o := range append([]containerdpaths.Layout{n.Layout}, n.Others...) {
			if o.Distro != containerdpaths.Stock {
				units = append(units, fmt.Sprintf("CONTAINERD_NFD_COMPAT_CONFIG=%s in %s's environment", o.Config, o.Services[0]))
			}
		}
		r.Fix = "more than one containerd: check each with --config and --address; nfd-compat-verifier reads the detected config unless $NFD_COMPAT_CONFIG names one"
		if len(units) > 0 {
			r.Fix += " (k3s and RKE2 pass CONTAINERD_-prefixed variables to their containerd: set " + strings.Join(units, ", ") + ")"
		}
	}
	return r
}

// template is the file to edit instead of the config, on k3s and RKE2
// when the config checked is the generated one.
func (e *env) template() string {
	n := e.opts.Node
	if n == nil || n.Template == "" || e.opts.ConfigFile != n.Config {
		return ""
	}
	return n.Template
}
