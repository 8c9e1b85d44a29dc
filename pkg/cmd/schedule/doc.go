// Package schedule implements the schedule command: an image's
// compatibility spec as a NodeFeatureRule labelling compatible nodes and a
// pod nodeAffinity, printed for kubectl apply or written into a workload
// manifest.
package schedule
