package metrics

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteText writes the counts in Prometheus' text exposition format
// (version 0.0.4), series sorted so that equal counts give equal files.
func (s *Set) WriteText(w io.Writer) error {
	snap := s.Snapshot()
	var b bytes.Buffer
	Header(&b, DecisionsName, "counter", DecisionsHelp)
	keys := make([]DecisionKey, 0, len(snap.Decisions))
	for k := range snap.Decisions {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.Decision != c.Decision {
			return a.Decision < c.Decision
		}
		if a.Mode != c.Mode {
			return a.Mode < c.Mode
		}
		return a.Verdict < c.Verdict
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "%s{decision=%q,mode=%q,verdict=%q} %d\n", DecisionsName, k.Decision, k.Mode, k.Verdict, snap.Decisions[k])
	}
	Header(&b, DurationName, "histogram", DurationHelp)
	modes := make([]string, 0, len(snap.Durations))
	for m := range snap.Durations {
		modes = append(modes, m)
	}
	sort.Strings(modes)
	for _, m := range modes {
		h := snap.Durations[m]
		var cum uint64
		for i, le := range Buckets {
			cum += h.Counts[i]
			fmt.Fprintf(&b, "%s_bucket{mode=%q,le=%q} %d\n", DurationName, m, formatFloat(le), cum)
		}
		fmt.Fprintf(&b, "%s_bucket{mode=%q,le=\"+Inf\"} %d\n", DurationName, m, h.Count)
		fmt.Fprintf(&b, "%s_sum{mode=%q} %s\n", DurationName, m, formatFloat(h.Sum))
		fmt.Fprintf(&b, "%s_count{mode=%q} %d\n", DurationName, m, h.Count)
	}
	Header(&b, RegistryErrorsName, "counter", RegistryErrorsHelp)
	for _, k := range RegistryErrorKinds {
		fmt.Fprintf(&b, "%s{kind=%q} %d\n", RegistryErrorsName, k, snap.RegistryErrors[k])
	}
	_, err := w.Write(b.Bytes())
	return err
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// ReadText adds the counts of a file written by WriteText to s. Lines it
// does not know (another version's buckets, garbage, a torn write) are
// skipped and counted in the returned number; the error is the reader's.
func (s *Set) ReadText(r io.Reader) (skipped int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Buckets are cumulative in the file: kept per mode until the end.
	cum := map[string][]uint64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !s.readLine(line, cum) {
			skipped++
		}
	}
	for mode, c := range cum {
		h := s.histogram(mode)
		var prev uint64
		for i, v := range c[:len(Buckets)] {
			if v < prev { // not cumulative: a corrupt file
				v = prev
			}
			h.Counts[i] += v - prev
			prev = v
		}
		if inf := c[len(Buckets)]; inf > prev {
			h.Counts[len(Buckets)] += inf - prev
		}
	}
	return skipped, sc.Err()
}

// readLine adds one sample line; false when it is not one of ours.
func (s *Set) readLine(line string, cum map[string][]uint64) bool {
	name, labels, value, ok := splitSample(line)
	if !ok {
		return false
	}
	switch name {
	case DecisionsName:
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil || len(labels) != 3 || !safeLabel(labels["decision"]) || !safeLabel(labels["mode"]) || !safeLabel(labels["verdict"]) {
			return false
		}
		s.decisions[DecisionKey{Decision: labels["decision"], Verdict: labels["verdict"], Mode: labels["mode"]}] += n
	case RegistryErrorsName:
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil || len(labels) != 1 || !knownKind(labels["kind"]) {
			return false
		}
		s.errors[labels["kind"]] += n
	case DurationName + "_bucket":
		n, err := strconv.ParseUint(value, 10, 64)
		mode := labels["mode"]
		i := bucketIndex(labels["le"])
		if err != nil || len(labels) != 2 || !safeLabel(mode) || i < 0 {
			return false
		}
		if cum[mode] == nil {
			cum[mode] = make([]uint64, len(Buckets)+1)
		}
		cum[mode][i] = n
	case DurationName + "_sum":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || len(labels) != 1 || !safeLabel(labels["mode"]) || f < 0 {
			return false
		}
		s.histogram(labels["mode"]).Sum += f
	case DurationName + "_count":
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil || len(labels) != 1 || !safeLabel(labels["mode"]) {
			return false
		}
		s.histogram(labels["mode"]).Count += n
	default:
		return false
	}
	return true
}

func knownKind(k string) bool {
	for _, x := range RegistryErrorKinds {
		if x == k {
			return true
		}
	}
	return false
}

// bucketIndex is the index of le in Buckets, len(Buckets) for +Inf, -1
// for a bound not ours.
func bucketIndex(le string) int {
	if le == "+Inf" {
		return len(Buckets)
	}
	for i, b := range Buckets {
		if formatFloat(b) == le {
			return i
		}
	}
	return -1
}

// splitSample splits `name{k="v",...} value` as WriteText writes it:
// label values without quotes or backslashes.
func splitSample(line string) (name string, labels map[string]string, value string, ok bool) {
	open := strings.IndexByte(line, '{')
	end := strings.LastIndexByte(line, '}')
	if open <= 0 || end < open || !strings.HasPrefix(line[end+1:], " ") {
		return "", nil, "", false
	}
	name, value = line[:open], strings.TrimSpace(line[end+1:])
	labels = map[string]string{}
	for _, kv := range strings.Split(line[open+1:end], ",") {
		k, v, found := strings.Cut(kv, "=")
		if !found || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return "", nil, "", false
		}
		v = v[1 : len(v)-1]
		if strings.ContainsAny(v, "\"\\") {
			return "", nil, "", false
		}
		if _, dup := labels[k]; dup {
			return "", nil, "", false
		}
		labels[k] = v
	}
	return name, labels, value, true
}
