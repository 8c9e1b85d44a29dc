// Package features is a host's node features in NFD's own model
// (nfdv1alpha1.Features): discovery with NFD's feature sources, and loading
// and saving features as upstream `nfd export features` JSON or as NodeFeature
// objects. It owns the NFD object plumbing the cluster and rules packages
// share: Normalize (missing top-level maps filled in) and MergeNodeFeatures
// (a node's NodeFeature objects merged as nfd-master merges them). Files are
// decoded by one general path (decode.go, on pkg/kubefile's documents and
// Lists) and two fast paths that accept only what it accepts: exported
// features JSON in one pass (decode_json.go) and NodeFeature YAML from
// yaml.Node trees (decode_yaml.go), built for kubectl's block YAML by a
// small reader of that subset (decode_yaml_block.go) and by yaml.v3 for the
// rest.
//
// NFD keeps its feature sources, their configuration, its host path prefixes
// and klog's output in process-wide variables. This package is the one place
// that touches them: Discover serialises all use behind a single mutex, sets
// the host directories and a klog sink for its run, and then restores the
// directories and puts klog back to its default output.
package features
