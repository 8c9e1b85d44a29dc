package containerdcli

import (
	"fmt"
	"os"
	"time"

	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"

	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// ctrdFlags are nerdctl's spelling of where containerd is. The address
// defaults to $CONTAINERD_ADDRESS, else the socket of this node's
// containerd (containerdpaths.Detect: k3s's and RKE2's
// /run/k3s/containerd/containerd.sock on those, else containerd's own).
type ctrdFlags struct {
	address   string
	namespace string
	node      containerdpaths.Found
}

func (f *ctrdFlags) add(fs *pflag.FlagSet, withNamespace bool) {
	f.node = containerdpaths.Detect("")
	fs.StringVarP(&f.address, "address", "a", envOr("CONTAINERD_ADDRESS", f.node.Address), "containerd's socket (env CONTAINERD_ADDRESS; default: this node's containerd, stock or k3s/RKE2, by which socket exists)")
	if withNamespace {
		fs.StringVarP(&f.namespace, "namespace", "n", envOr("CONTAINERD_NAMESPACE", namespaces.Default), "containerd namespace; k8s.io holds the kubelet's images (env CONTAINERD_NAMESPACE)")
	}
}

// logPick says which containerd the command talks to and why.
func (f *ctrdFlags) logPick(fs *pflag.FlagSet, log logrus.FieldLogger) {
	switch {
	case fs.Changed("address"):
		log.Debugf("containerd: %s (--address)", f.address)
	case os.Getenv("CONTAINERD_ADDRESS") != "":
		log.Debugf("containerd: %s ($CONTAINERD_ADDRESS)", f.address)
	default:
		log.Debugf("containerd: %s", f.node)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// policyFlags load the policy from containerd's config and override keys.
type policyFlags struct {
	config    string
	mode      string
	onMissing string
	onError   string
	tags      []string
	timeout   time.Duration
}

func (f *policyFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "containerd config.toml holding the policy stanza [plugins.\""+policy.PluginURI+"\"] (imports followed; default $"+policy.ConfigEnv+", else this node's: "+policy.DefaultConfigFile+" or k3s's/RKE2's generated config.toml)")
	fs.StringVar(&f.mode, "mode", "", "override the policy's mode: enforce, warn or off")
	fs.StringVar(&f.onMissing, "on-missing", "", "override on_missing (image without compatibility artifact): allow or deny")
	fs.StringVar(&f.onError, "on-error", "", "override on_error (registry unreachable, timeout, bad artifact): allow or deny")
	fs.StringSliceVar(&f.tags, "tags", nil, "override the policy's tags: consider only compatibility sets with these tags")
	fs.DurationVar(&f.timeout, "check-timeout", 0, "override the policy's timeout for the check")
}

// load reads the policy as the verifier does (policy.Load: a missing
// default config means the defaults, a missing named one is an error) and
// logs unknown keys as warnings. Bad values are an error here: a command
// run by hand says so at once rather than deciding on defaults.
func (f *policyFlags) load(fs *pflag.FlagSet, log logrus.FieldLogger) (*policy.Policy, error) {
	path, explicit := policy.ConfigFile(f.config, os.Getenv)
	log.Debugf("policy: from %s", path)
	pol, src, err := policy.Load(path, explicit)
	for _, w := range src.Warnings {
		log.Warn(w)
	}
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if f.mode != "" {
		pol.Mode = policy.Mode(f.mode)
	}
	if f.onMissing != "" {
		pol.OnMissing = policy.Action(f.onMissing)
	}
	if f.onError != "" {
		pol.OnError = policy.Action(f.onError)
	}
	if fs.Changed("tags") {
		pol.Tags = f.tags
	}
	if f.timeout != 0 {
		pol.Timeout = policy.Duration(f.timeout)
	}
	if err := pol.Validate(); err != nil {
		return nil, fmt.Errorf("policy after flags: %w", err)
	}
	return pol, nil
}
