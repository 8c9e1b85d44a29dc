// Package cache holds what the pull-time verifier keeps between decisions
// (policy cache_dir) and validate-node between runs (--cache-dir), in files
// under one directory:
//
//	blobs/sha256/<hex>      content-addressed manifests and spec blobs,
//	                        verified against their digest on every read
//	features/<key>.json     a host's discovered features, keyed by boot id,
//	                        feature sources, host root and host prefix
//	                        (each hashed as a field of its own), reused
//	                        for a TTL
//	registries/<host>.json  a registry host found without the referrers
//	                        API, remembered for RegistriesTTL (Registries)
//	referrers/<key>.json    referrer lists, only with the policy's opt-in
//	                        referrers_ttl (ReferrerLists)
//
// Every write goes to a temporary file in the same directory and is renamed
// into place, so a reader sees a whole old file, a whole new file, or none,
// even with many verifier processes at once. Nothing is fsynced: an entry
// torn by a crash fails verification (blobs) or decoding (features) on read
// and is treated as a miss, never as data.
//
// Nothing under the directory is trusted unless only the effective user
// could have written it (Open, Check: the directory, its subdirectories and
// its parents, as ssh checks its files): a directory owned by another user
// or writable by group or others could hold planted host features or a
// planted audit.jsonl link, so callers run uncached instead (the verifier
// and validate-node bypass it with a warning; doctor reports it). Files are
// read and appended with O_NOFOLLOW and only when regular, owned by the
// effective user and singly linked; directories are created 0700, files
// 0600. Open removes temporary files older than StaleTempAge, which only a
// writer killed between write and rename leaves.
//
// Store puts Blobs in front of a registry (or any content source) for
// content read by digest, and asks the source for referrer lists unless
// ReferrerLists (referrers_ttl) hold a fresh one.
package cache
