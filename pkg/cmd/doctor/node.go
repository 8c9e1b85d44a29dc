package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
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
	if msg, fix := templateDrift(e); msg != "" {
		r.Status, r.Message, r.Fix = Warn, r.Message+"; "+msg, fix
		return r
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

// templateDrift compares the generated config with its template on k3s and
// RKE2: a stanza only in config.toml is lost at the next start (k3s
// regenerates it), one only in the template is not in effect until then.
func templateDrift(e *env) (msg, fix string) {
	t := e.template()
	if t == "" || e.policySrc == nil || e.policySrc.Missing {
		return "", ""
	}
	inUse := t
	b, err := os.ReadFile(t)
	if errors.Is(err, fs.ErrNotExist) { // k3s falls back to the version 2 template
		inUse = filepath.Join(filepath.Dir(t), "config.toml.tmpl")
		b, err = os.ReadFile(inUse)
	}
	inTemplate := err == nil && strings.Contains(string(b), policy.PluginURI)
	unit := e.opts.Node.Services[0]
	switch {
	case e.policySrc.Stanza && !inTemplate:
		return fmt.Sprintf("the policy stanza is in %s but not in its template %s: %s overwrites it at its next start", e.opts.ConfigFile, t, e.opts.Node.Distro),
			"run contrib/containerd/install-verifier.sh (it writes the stanza into the template), or move the tables into " + t
	case !e.policySrc.Stanza && inTemplate:
		return fmt.Sprintf("%s has the policy stanza but %s, generated from it, does not yet", inUse, e.opts.ConfigFile),
			"systemctl restart " + unit + " (or its agent unit) to regenerate it"
	}
	return "", ""
}
