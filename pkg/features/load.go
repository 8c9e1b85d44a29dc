package features

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

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

// nfdNamespace is nfd-master's default namespace; as nfd-master does, objects
// there come first when a node's NodeFeatures are merged.
const nfdNamespace = "node-feature-discovery"

// loadExts are the file name extensions LoadPaths picks from a directory.
var loadExts = []string{".json", ".yaml", ".yml"}

// Load reads one file: upstream `nfd export features` JSON, a NodeFeature
// object, or a List/NodeFeatureList of them, in YAML (several documents
// allowed) or JSON. NodeFeature objects of the same node are merged as
// nfd-master merges them.
func Load(path string) ([]Node, error) {
	found, err := loadFile(path)
	if err != nil {
		return nil, err
	}
	return assemble(found)
}

// LoadPaths loads files and the *.json, *.yaml and *.yml files of
// directories (not recursively), in the given order and by name within a
// directory. NodeFeature objects of one node are merged across files; a node
// described twice otherwise is an error.
func LoadPaths(paths []string) ([]Node, error) {
	if len(paths) == 0 {
		return nil, errors.New("load features: no file or directory given")
	}
	var all []fileItem
	for _, p := range paths {
		files, err := expandPath(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			found, err := loadFile(f)
			if err != nil {
				return nil, err
			}
			all = append(all, found...)
		}
	}
	return assemble(all)
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

func loadFile(path string) ([]fileItem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load features: %w", err)
	}
	items, err := decodeFile(data)
	if err != nil {
		return nil, fmt.Errorf("load features from %s: %w", path, err)
	}
	out := make([]fileItem, len(items))
	for i, it := range items {
		out[i] = fileItem{docItem: it, file: path}
	}
	return out, nil
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

// mergeNodeFeatures merges a node's NodeFeature objects as nfd-master's
// getAndMergeNodeFeatures does: objects in NFD's namespace first, then by name,
// then by namespace; later objects overwrite earlier ones feature by feature.
// It returns the features and the distinct files in merge order.
func mergeNodeFeatures(objs []fileItem) (*Features, []string) {
	sorted := slices.Clone(objs)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].nodeFeature, sorted[j].nodeFeature
		if (a.Namespace == nfdNamespace) != (b.Namespace == nfdNamespace) {
			return a.Namespace == nfdNamespace
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Namespace < b.Namespace
	})
	spec := sorted[0].nodeFeature.Spec.DeepCopy()
	files := []string{sorted[0].file}
	for _, o := range sorted[1:] {
		o.nodeFeature.Spec.DeepCopy().MergeInto(spec)
		if !slices.Contains(files, o.file) {
			files = append(files, o.file)
		}
	}
	var f nfdv1alpha1.Features = spec.Features
	return normalize(&f), files
}
