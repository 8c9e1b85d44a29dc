package policy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// DefaultConfigFile is containerd's config file.
const DefaultConfigFile = "/etc/containerd/config.toml"

// Source says where a loaded policy came from.
type Source struct {
	// Files are the config files read, in containerd's order (the file,
	// then its imports breadth first).
	Files []string
	// StanzaFile is the last file that set keys of the stanza; empty when
	// no file had one and the defaults apply.
	StanzaFile string
}

// containerdFile is the part of a containerd config file Load reads.
type containerdFile struct {
	Version int            `toml:"version"`
	Imports []string       `toml:"imports"`
	Plugins map[string]any `toml:"plugins"`
}

// Load reads the policy from a containerd config.toml (version 2 or 3) and
// the files it imports, merged as containerd merges them: imports are read
// after the file that names them, breadth first, each file once; relative
// paths are relative to the importing file and '*' globs are expanded; a
// later file's [plugins."…nfd-compat"] keys override an earlier file's
// key by key (containerd's mergo merge). A missing stanza gives Default(). Unknown keys and bad values are
// errors naming the key, the file and the valid values.
func Load(path string) (*Policy, *Source, error) {
	src := &Source{}
	var (
		stanza  any
		loaded  = map[string]bool{}
		pending = []string{path}
	)
	for len(pending) > 0 {
		var p string
		p, pending = pending[0], pending[1:]
		if loaded[p] {
			continue
		}
		f, err := readFile(p)
		if err != nil {
			return nil, src, err
		}
		if f.Version > 3 {
			return nil, src, fmt.Errorf("%s: containerd config version %d is newer than this nfd-compat understands (2 or 3)", p, f.Version)
		}
		if s, ok := f.Plugins[PluginURI]; ok {
			stanza, src.StanzaFile = merge(stanza, s), p
		}
		imports, err := resolveImports(p, f.Imports)
		if err != nil {
			return nil, src, err
		}
		loaded[p] = true
		src.Files = append(src.Files, p)
		pending = append(pending, imports...)
	}
	pol := Default()
	if stanza == nil {
		return pol, src, nil
	}
	if err := decodeStanza(stanza, pol); err != nil {
		return nil, src, fmt.Errorf("%s: %w", src.StanzaFile, err)
	}
	if err := pol.Validate(); err != nil {
		return nil, src, fmt.Errorf("%s: %w", src.StanzaFile, err)
	}
	return pol, src, nil
}

// merge merges a later file's stanza into an earlier one as containerd's
// mergo merge does: tables key by key, other values replaced.
func merge(to, from any) any {
	t, ok1 := to.(map[string]any)
	f, ok2 := from.(map[string]any)
	if !ok1 || !ok2 {
		return from
	}
	out := make(map[string]any, len(t)+len(f))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range f {
		out[k] = merge(out[k], v)
	}
	return out
}

func readFile(path string) (*containerdFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read containerd config: %w", err)
	}
	var f containerdFile
	if err := toml.Unmarshal(b, &f); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			row, col := derr.Position()
			return nil, fmt.Errorf("%s:%d:%d: invalid TOML: %v", path, row, col, derr)
		}
		return nil, fmt.Errorf("%s: invalid TOML: %w", path, err)
	}
	return &f, nil
}

// resolveImports is containerd's: a relative path is relative to the
// importing file's directory; a path with '*' is a glob.
func resolveImports(parent string, imports []string) ([]string, error) {
	var out []string
	for _, p := range imports {
		p = filepath.Clean(p)
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(parent), p)
		}
		if !strings.Contains(p, "*") {
			out = append(out, p)
			continue
		}
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("%s: imports pattern %q: %w", parent, p, err)
		}
		out = append(out, matches...)
	}
	return out, nil
}

// decodeStanza decodes the stanza over pol's defaults, strictly: the stanza
// is re-encoded and decoded as containerd does for plugin configs, but
// unknown keys are errors instead of warnings.
func decodeStanza(stanza any, pol *Policy) error {
	table, ok := stanza.(map[string]any)
	if !ok {
		return fmt.Errorf("plugins.%q is a %T, want a table of policy keys (%s)", PluginURI, stanza, strings.Join(keys, ", "))
	}
	for _, k := range []string{"timeout", "features_ttl"} {
		if v, ok := table[k]; ok {
			if _, isString := v.(string); !isString {
				return fmt.Errorf("[plugins.%q] %s = %v: write a quoted Go duration such as \"5s\" or \"10m\" (a bare number would be nanoseconds)", PluginURI, k, v)
			}
		}
	}
	b, err := toml.Marshal(table)
	if err != nil {
		return fmt.Errorf("re-encode [plugins.%q]: %w", PluginURI, err)
	}
	dec := toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields()
	err = dec.Decode(pol)
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var unknown []string
		for _, e := range strict.Errors {
			unknown = append(unknown, strings.Join(e.Key(), "."))
		}
		slices.Sort(unknown)
		return fmt.Errorf("unknown key(s) %s in [plugins.%q]: valid keys are %s",
			strings.Join(unknown, ", "), PluginURI, strings.Join(keys, ", "))
	}
	var derr *toml.DecodeError
	if errors.As(err, &derr) {
		key := strings.Join(derr.Key(), ".")
		if key == "" {
			key = "a key"
		}
		return fmt.Errorf("[plugins.%q] %s: %v%s", PluginURI, key, derr, hintFor(key))
	}
	if err != nil {
		return fmt.Errorf("[plugins.%q]: %w", PluginURI, err)
	}
	return nil
}

func hintFor(key string) string {
	switch key {
	case "timeout", "features_ttl":
		return ` (write a quoted Go duration such as "5s" or "10m")`
	case "tags", "exclude", "include":
		return ` (write a list of strings, e.g. ["a", "b"])`
	case "mode":
		return ` (valid values: "enforce", "warn", "off")`
	case "on_missing", "on_error":
		return ` (valid values: "allow", "deny")`
	}
	return ""
}
