// Package checkimages implements `nfd-compat check-images`: containerd
// checks an image only when it is pulled, so images already on a node are
// never re-checked after a kernel upgrade, a driver removal or a hardware
// change. check-images lists the images of a namespace (or all of them)
// and runs the pull-time check (pkg/verifier) on each one's stored target
// descriptor against this host as it is now.
package checkimages
