package features

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// Node is one node's features read from a file.
type Node struct {
	// Name is the node name: the file's base name without extension for
	// exported features; for NodeFeature objects their
	// nfd.node.kubernetes.io/node-name label, else metadata.name.
	Name string
	// Source is the file the features came from; when a node's NodeFeature
	// objects came from several files, their paths joined by ", ".
	Source string
	// Features never is nil and has non-nil top-level maps.
	Features *Features
}

// loadExts are the file name extensions LoadPaths picks from a directory.
var loadExts = []string{".json", ".yaml", ".yml"}

// Load reads one file: upstream `nfd export features` JSON, a NodeFeature
// object, or a List/NodeFeatureList of them, in YAML (several documents
// allowed) or JSON. NodeFeature objects of the same node are merged as
// nfd-master merges them.
func Load(path string) ([]Node, error) {
	found, err := loadFile(path, nil)
	if err != nil {
		return nil, err
	}
	return assemble(found)
}

// LoadPaths loads files and the *.json, *.yaml and *.yml files of
// directories (not recursively), in the given order and by name within a
// directory. NodeFeature objects of one node are merged across files; a node
// described twice otherwise is an error. Files are decoded concurrently; the
// nodes and the error returned are those of loading them one by one.
func LoadPaths(paths []string) ([]Node, error) { return LoadPathsKeeping(paths, nil) }

// LoadPathsKeeping is LoadPaths keeping only the features (flags, attributes
// and instances by name, e.g. "pci.device") that keep accepts; nil keeps all.
// Features are dropped as each file is decoded, so memory holds only what is
// kept: checking a fleet against a spec needs the few features its rules
// name, while a real export's kernel.config alone is half of its size.
func LoadPathsKeeping(paths []string, keep func(feature string) bool) ([]Node, error) {
	if len(paths) == 0 {
		return nil, errors.New("load features: no file or directory given")
	}
	var (
		files     []string
		expandErr error
	)
	for _, p := range paths {
		found, err := expandPath(p)
		if err != nil {
			// Loading one by one, the files before p would fail first.
			expandErr = err
			break
		}
		files = append(files, found...)
	}
	loaded, err := loadFiles(files, keep)
	if err != nil {
		return nil, err
	}
	if expandErr != nil {
		return nil, expandErr
	}
	var all []fileItem
	for _, items := range loaded {
		all = append(all, items...)
	}
	return assemble(all)
}

// loadFiles decodes files on GOMAXPROCS workers: decoding is CPU-bound, and
// a fleet directory holds thousands of files. Results keep the files' order.
// Files are handed out in order and no new one is started after a failure,
// so every file before a failed one is decoded and the error returned is the
// first in order, as loading one by one would report it.
func loadFiles(files []string, keep func(string) bool) ([][]fileItem, error) {
	out := make([][]fileItem, len(files))
	errs := make([]error, len(files))
	var (
		next   atomic.Int64
		failed atomic.Bool
		wg     sync.WaitGroup
	)
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			// One read buffer per worker: decoded features never point
			// into it (every decoder copies), so it is reused for the
			// next file instead of giving the GC a file's size each time.
			var buf bytes.Buffer
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				items, err := loadFileInto(&buf, files[i], keep)
				if err != nil {
					errs[i] = err
					failed.Store(true)
					return
				}
				// Exported features and NodeFeature YAML usually come
				// decoded without what keep rejects; whatever took the
				// general path (NodeFeature JSON, Lists) is pruned here.
				if keep != nil {
					for j := range items {
						items[j].prune(keep)
					}
				}
				out[i] = items
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prune drops the features keep rejects.
func (it *fileItem) prune(keep func(string) bool) {
	f := it.features
	if it.nodeFeature != nil {
		f = &it.nodeFeature.Spec.Features
	}
	drop := func(name string) bool { return !keep(name) }
	maps.DeleteFunc(f.Flags, func(k string, _ nfdv1alpha1.FlagFeatureSet) bool { return drop(k) })
	maps.DeleteFunc(f.Attributes, func(k string, _ nfdv1alpha1.AttributeFeatureSet) bool { return drop(k) })
	maps.DeleteFunc(f.Instances, func(k string, _ nfdv1alpha1.InstanceFeatureSet) bool { return drop(k) })
}

// expandPath returns p itself for a file, or a directory's feature files.
func expandPath(p string) ([]string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("load features: %w", err)
	}
	if !fi.IsDir() {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("load features: %w", err)
	}
	var files []string
	for _, e := range entries {
		full := filepath.Join(p, e.Name())
		if !slices.Contains(loadExts, strings.ToLower(filepath.Ext(e.Name()))) {
			continue
		}
		if st, err := os.Stat(full); err != nil || st.IsDir() {
			continue // a dangling link or a directory named like a file
		}
		files = append(files, full)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("load features: directory %s has no *.json, *.yaml or *.yml files", p)
	}
	return files, nil
}

// fileItem is a decoded item and the file it came from.
type fileItem struct {
	docItem
	file string
}

// loadFile reads and decodes one file; keep, when not nil, may already drop
// features while decoding (the caller still prunes what it returns).
func loadFile(path string, keep func(string) bool) ([]fileItem, error) {
	var buf bytes.Buffer
	return loadFileInto(&buf, path, keep)
}

// loadFileInto is loadFile reading the file into buf (reset first).
func loadFileInto(buf *bytes.Buffer, path string, keep func(string) bool) ([]fileItem, error) {
	buf.Reset()
	if err := readFileInto(buf, path); err != nil {
		return nil, fmt.Errorf("load features: %w", err)
	}
	items, err := decodeFileKeeping(buf.Bytes(), keep)
	if err != nil {
		return nil, fmt.Errorf("load features from %s: %w", path, err)
	}
	out := make([]fileItem, len(items))
	for i, it := range items {
		out[i] = fileItem{docItem: it, file: path}
	}
	return out, nil
}

// readFileInto appends the file at path to buf.
func readFileInto(buf *bytes.Buffer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 && fi.Size() < 1<<30 {
		buf.Grow(int(fi.Size()) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(f) // a *PathError naming the file, as os.ReadFile's
	return err
}

// assemble turns items into nodes in order of first appearance, merging the
// NodeFeature objects of each node.
func assemble(items []fileItem) ([]Node, error) {
	type group struct {
		exported *fileItem
		objects  []fileItem
	}
	groups := map[string]*group{}
	var order []string
	for i := range items {
		it := &items[i]
		name := exportName(it.file)
		if it.nodeFeature != nil {
			name = nodeFeatureNode(it.nodeFeature)
		}
		g, seen := groups[name]
		if !seen {
			g = &group{}
			groups[name] = g
			order = append(order, name)
		}
		other := ""
		switch {
		case g.exported != nil:
			other = g.exported.file
		case it.features != nil && len(g.objects) > 0:
			other = g.objects[0].file
		}
		if other != "" {
			return nil, fmt.Errorf("load features: node %q is described twice, by %s and %s; load one of them", name, other, it.file)
		}
		if it.features != nil {
			g.exported = it
		} else {
			g.objects = append(g.objects, *it)
		}
	}
	nodes := make([]Node, 0, len(order))
	for _, name := range order {
		g := groups[name]
		if g.exported != nil {
			nodes = append(nodes, Node{Name: name, Source: g.exported.file, Features: g.exported.features})
			continue
		}
		f, files := mergeNodeFeatures(g.objects)
		nodes = append(nodes, Node{Name: name, Source: strings.Join(files, ", "), Features: f})
	}
	return nodes, nil
}

// exportName is the node name of exported features: the file's base name
// without extension.
func exportName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// mergeNodeFeatures merges a node's NodeFeature objects (MergeNodeFeatures,
// with nfd-master's default namespace) and returns the features and the
// distinct files in merge order.
func mergeNodeFeatures(objs []fileItem) (*Features, []string) {
	nfs := make([]*nfdv1alpha1.NodeFeature, len(objs))
	for i := range objs {
		nfs[i] = objs[i].nodeFeature
	}
	f, order := MergeNodeFeatures(nfs, DefaultNFDNamespace)
	var files []string
	for _, i := range order {
		if !slices.Contains(files, objs[i].file) {
			files = append(files, objs[i].file)
		}
	}
	return f, files
}
