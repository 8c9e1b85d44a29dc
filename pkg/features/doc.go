// Package features is a host's node features in NFD's own model
// (nfdv1alpha1.Features): discovery with NFD's feature sources, and loading
// and saving features as upstream `nfd export features` JSON or as NodeFeature
// objects.
//
// NFD keeps its feature sources, their configuration, its host path prefixes
// and klog's output in process-wide variables. This package is the one place
// that touches them: Discover serialises all use behind a single mutex, sets
// the host directories and a klog sink for its run, and then restores the
// directories and puts klog back to its default output.
package features
