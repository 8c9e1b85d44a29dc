// Package cache holds what the pull-time verifier keeps between decisions
// (policy cache_dir) and validate-node between runs (--cache-dir), in files
// under one directory:
//
//	blobs/sha256/<hex>      content-addressed manifests and spec blobs,
//	                        verified against their digest on every read
//	features/<key>.json     a host's discovered features, keyed by boot id
//	                        and feature sources, reused for a TTL
//
// Every write goes to a temporary file in the same directory and is renamed
// into place, so a reader sees a whole old file, a whole new file, or none,
// even with many verifier processes at once. Nothing is fsynced: an entry
// torn by a crash fails verification (blobs) or decoding (features) on read
// and is treated as a miss, never as data.
//
// Store puts Blobs in front of a registry (or any content source) for
// content read by digest, and always asks the source for referrer lists.
package cache
