#!/usr/bin/env bash
# Install nfd-compat-verifier as a containerd bindir image verifier and the
# nfd-compat drop-in config. Run as root; restart containerd afterwards.
#
#   install-verifier.sh [--verifier PATH] [--bin-dir DIR] [--config FILE]
#                       [--conf-dir DIR] [--mode enforce|warn|off]
#                       [--cache-dir DIR] [--hosts-dir DIR] [--dry-run]
#
# --verifier  the nfd-compat-verifier binary (default: next to this script's
#             repository's bin/, else the one on PATH)
# --bin-dir   containerd's bindir verifier directory
#             (default /opt/containerd/image-verifier/bin)
# --config    containerd's main config (default /etc/containerd/config.toml)
# --conf-dir  where the drop-in goes (default /etc/containerd/conf.d)
# --mode      the policy mode written into the drop-in (default enforce;
#             warn logs what enforce would refuse, and never blocks)
# --cache-dir the policy's cache_dir: caches and audit.jsonl
#             (default /var/lib/nfd-compat)
# --hosts-dir the policy's config_path, hosts.toml as CRI reads them
#             (default /etc/containerd/certs.d; use CRI's registry.config_path)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
verifier=""
bin_dir="/opt/containerd/image-verifier/bin"
config="/etc/containerd/config.toml"
conf_dir="/etc/containerd/conf.d"
mode="enforce"
cache_dir="/var/lib/nfd-compat"
hosts_dir="/etc/containerd/certs.d"
dry_run=0

die() { echo "install-verifier: $*" >&2; exit 1; }
run() { if [ "$dry_run" = 1 ]; then echo "+ $*"; else "$@"; fi; }

while [ $# -gt 0 ]; do
	case "$1" in
	--verifier) verifier="$2"; shift 2 ;;
	--bin-dir) bin_dir="$2"; shift 2 ;;
	--config) config="$2"; shift 2 ;;
	--conf-dir) conf_dir="$2"; shift 2 ;;
	--mode) mode="$2"; shift 2 ;;
	--cache-dir) cache_dir="$2"; shift 2 ;;
	--hosts-dir) hosts_dir="$2"; shift 2 ;;
	--dry-run) dry_run=1; shift ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done

case "$mode" in enforce|warn|off) ;; *) die "--mode $mode: use enforce, warn or off" ;; esac

if [ -z "$verifier" ]; then
	if [ -x "$here/../../bin/nfd-compat-verifier" ]; then
		verifier="$here/../../bin/nfd-compat-verifier"
	elif command -v nfd-compat-verifier >/dev/null 2>&1; then
		verifier="$(command -v nfd-compat-verifier)"
	else
		die "no nfd-compat-verifier found: build it (make build) or give --verifier PATH"
	fi
fi
[ -f "$verifier" ] || die "--verifier $verifier does not exist"

# bin_dir must hold executables only: containerd fails every pull otherwise.
if [ -d "$bin_dir" ]; then
	for f in "$bin_dir"/* "$bin_dir"/.[!.]*; do
		[ -e "$f" ] || continue
		[ "$(basename "$f")" = nfd-compat-verifier ] && continue
		if [ -d "$f" ] || [ ! -x "$f" ]; then
			die "$f is not an executable: containerd would fail every pull; remove it first"
		fi
	done
fi

# The drop-in's version must match the main config's.
version=3
if [ -f "$config" ]; then
	v="$(sed -n 's/^[[:space:]]*version[[:space:]]*=[[:space:]]*\([0-9]\+\).*/\1/p' "$config" | head -n1)"
	case "$v" in
	2|3) version="$v" ;;
	"") die "$config has no version line: containerd would read it as version 1; run \`containerd config migrate\` first" ;;
	*) echo "install-verifier: $config is version $v; writing the drop-in as version 3" >&2 ;;
	esac
fi

run install -d -m 0755 "$bin_dir"
run install -m 0755 "$verifier" "$bin_dir/nfd-compat-verifier"
run install -d -m 0755 "$conf_dir"
dropin="$conf_dir/nfd-compat.toml"
if [ -f "$dropin" ]; then
	echo "install-verifier: keeping the existing $dropin (remove it to get a fresh one)"
elif [ "$dry_run" = 1 ]; then
	echo "+ write $dropin (version $version, mode $mode, bin_dir $bin_dir)"
else
	sed -e "s|^version = 3|version = $version|" \
		-e "s|^  bin_dir = .*|  bin_dir = \"$bin_dir\"|" \
		-e "s|^  mode = \"enforce\"|  mode = \"$mode\"|" \
		-e "s|^  cache_dir = \"[^\"]*\"|  cache_dir = \"$cache_dir\"|" \
		-e "s|^  config_path = \"[^\"]*\"|  config_path = \"$hosts_dir\"|" \
		"$here/nfd-compat.toml" >"$dropin.tmp"
	chmod 0644 "$dropin.tmp"
	mv "$dropin.tmp" "$dropin"
fi

pattern="$conf_dir/*.toml"
if [ ! -f "$config" ]; then
	if [ "$dry_run" = 1 ]; then
		echo "+ write $config (version 3, imports [\"$pattern\"])"
	else
		install -d -m 0755 "$(dirname "$config")"
		printf 'version = 3\nimports = ["%s"]\n' "$pattern" >"$config"
	fi
elif ! grep -E '^[[:space:]]*imports[[:space:]]*=' "$config" | grep -qF -e "\"$pattern\"" -e "\"$dropin\""; then
	cat <<MSG
install-verifier: $config does not import $dropin. Add, before the first table:

    imports = ["$pattern"]

(or append "$dropin" to its existing imports list).
MSG
fi

cat <<MSG
install-verifier: installed $bin_dir/nfd-compat-verifier and $dropin (mode $mode).
Now restart containerd (systemctl restart containerd) and run: nfd-compat doctor
Decisions, warn-mode warnings included, are appended to $cache_dir/audit.jsonl.
MSG
