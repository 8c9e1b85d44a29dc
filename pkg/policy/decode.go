package policy

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/nfd-compat/nfd-compat/pkg/closest"
)

// ErrInvalid is wrapped by the error of a stanza with bad values (a mode,
// action, duration, pattern or type that is not valid).
var ErrInvalid = errors.New("invalid policy")

// Stanza is the policy stanza as containerd hands it over: the in-process
// plugin registers a *Stanza as its config, so that containerd's decoding
// can neither drop unknown keys nor fail the plugin over a bad value, and
// decodes it with Decode as the bindir executable does.
type Stanza map[string]any

// Decode decodes the policy stanza (a TOML table) over Default(), key by
// key, with the same outcome wherever the stanza came from:
//
//   - a nil stanza gives Default();
//   - an unknown key (a typo such as on_eror) is ignored and returned as a
//     warning naming the valid keys (and the nearest one);
//   - a key with a bad value keeps its default (a bad pattern or an empty
//     tag is dropped from its list, the rest kept; a single string where a
//     list is wanted is used as a one-element list), and the error, which
//     wraps ErrInvalid, lists every bad key with what is valid. The policy
//     is returned anyway with Invalid set, for Decide.
func Decode(stanza any) (*Policy, []string, error) {
	pol := Default()
	if stanza == nil {
		return pol, nil, nil
	}
	table, ok := stanza.(map[string]any)
	if s, isStanza := stanza.(Stanza); isStanza {
		table, ok = s, true
	}
	if !ok {
		err := fmt.Errorf("%w: plugins.%q is a %T, want a table of policy keys (%s)", ErrInvalid, PluginURI, stanza, strings.Join(keys, ", "))
		pol.invalid = err
		return pol, nil, err
	}
	var warnings, problems []string
	for _, k := range slices.Sorted(maps.Keys(table)) {
		if !slices.Contains(keys, k) {
			warnings = append(warnings, unknownKey(k))
			continue
		}
		if err := decodeKey(pol, k, table[k]); err != nil {
			problems = append(problems, err.Error())
		}
	}
	problems = append(problems, pol.repair()...)
	if len(problems) == 0 {
		return pol, warnings, nil
	}
	slices.Sort(problems)
	err := fmt.Errorf("%w in [plugins.%q]: %s", ErrInvalid, PluginURI, strings.Join(problems, "; "))
	pol.invalid = err
	return pol, warnings, err
}

func unknownKey(k string) string {
	msg := fmt.Sprintf("unknown key %q in [plugins.%q] ignored", k, PluginURI)
	if near := nearest(k); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return msg + "; valid keys are " + strings.Join(keys, ", ")
}

// decodeKey decodes one key's value into its field of pol.
func decodeKey(pol *Policy, k string, v any) error {
	switch k {
	case "timeout", "features_ttl", "referrers_ttl":
		if _, isString := v.(string); !isString {
			return fmt.Errorf("%s = %v: write a quoted Go duration such as \"5s\" or \"10m\" (a bare number would be nanoseconds)", k, v)
		}
	case "tags", "exclude", "include":
		if s, isString := v.(string); isString {
			field(pol, k).Set(reflect.ValueOf([]string{s}))
			return fmt.Errorf("%s = %q: write a list of strings, e.g. %s = [%q] (used as that meanwhile)", k, s, k, s)
		}
	}
	b, err := toml.Marshal(map[string]any{k: v})
	if err != nil {
		return fmt.Errorf("%s: %v", k, err)
	}
	tmp := &Policy{}
	if err := toml.NewDecoder(bytes.NewReader(b)).Decode(tmp); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			return fmt.Errorf("%s = %v: %v%s", k, v, derr, hintFor(k))
		}
		return fmt.Errorf("%s = %v: %v%s", k, v, err, hintFor(k))
	}
	field(pol, k).Set(field(tmp, k))
	return nil
}

// field is the field of p whose toml tag is key.
func field(p *Policy, key string) reflect.Value {
	v := reflect.ValueOf(p).Elem()
	t := v.Type()
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); tag == key {
			return v.Field(i)
		}
	}
	panic("policy: no field for key " + key) // keys and the struct are out of step
}

// repair resets every key whose value Validate rejects to its default (or
// drops the bad entries of a list) and returns the problems.
func (p *Policy) repair() []string {
	byKey := p.problemsByKey()
	var out []string
	def := Default()
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, byKey[k]...)
		switch k {
		case "exclude", "include":
			f := field(p, k)
			kept := slices.DeleteFunc(slices.Clone(f.Interface().([]string)), func(pat string) bool { return checkPattern(pat) != nil })
			f.Set(reflect.ValueOf(kept))
		case "tags":
			p.Tags = slices.DeleteFunc(slices.Clone(p.Tags), func(t string) bool { return strings.TrimSpace(t) == "" })
		default:
			field(p, k).Set(field(def, k))
		}
	}
	return out
}

func hintFor(key string) string {
	switch key {
	case "timeout", "features_ttl", "referrers_ttl":
		return ` (write a quoted Go duration such as "5s" or "10m")`
	case "tags", "exclude", "include":
		return ` (write a list of strings, e.g. ["a", "b"])`
	case "mode":
		return ` (valid values: "enforce", "warn", "off")`
	case "on_missing", "on_error":
		return ` (valid values: "allow", "deny")`
	case "cache_dir", "config_path":
		return ` (write a quoted path)`
	}
	return ""
}

// nearest is the valid key closest to k (edit distance at most 2), or "".
func nearest(k string) string {
	return closest.Name(strings.ReplaceAll(k, "-", "_"), keys)
}

// DefaultStanza is Default() as a Stanza, what `containerd config default`
// prints for the in-process plugin.
func DefaultStanza() *Stanza {
	s := Stanza{}
	b, err := toml.Marshal(Default())
	if err == nil {
		err = toml.Unmarshal(b, &s)
	}
	if err != nil {
		panic("policy: the defaults do not round-trip through TOML: " + err.Error())
	}
	for k, v := range s {
		if l, ok := v.([]any); ok && len(l) == 0 {
			delete(s, k) // absent, as in Default(), rather than empty
		}
	}
	return &s
}
