//go:build !race

package compat

// raceFactor scales the CPU budget: the race detector slows code 5-10 times.
const raceFactor = 1
