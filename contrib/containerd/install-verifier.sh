#!/usr/bin/env bash
# Install nfd-compat-verifier as a containerd bindir image verifier, the
# resident verifier it asks (nfd-compat-verifierd and its systemd unit) and
# the nfd-compat policy. Run as root; then start the unit and restart
# containerd (or k3s/RKE2).
#
#   install-verifier.sh [--verifier PATH] [--verifierd PATH] [--fallback PATH]
#                       [--unit-dir DIR] [--bin-dir DIR] [--config FILE]
#                       [--conf-dir DIR] [--mode enforce|warn|off]
#                       [--cache-dir DIR] [--hosts-dir DIR]
#                       [--distro auto|containerd|k3s|rke2] [--root DIR]
#                       [--dry-run]
#
# Stock containerd: the drop-in goes to --conf-dir and --config imports it.
# k3s and RKE2 (found when /var/lib/rancher/{k3s,rke2}/agent/etc/containerd
# exists, the one whose /run/k3s/containerd/containerd.sock exists first, as
# nfd-compat's containerdpaths.Detect does): their config.toml is generated
# at each start, so the stanza is appended to the template it is generated
# from (config-v3.toml.tmpl, or config.toml.tmpl when only that one exists),
# between "# BEGIN nfd-compat" and "# END nfd-compat" lines; an absent
# template is created as {{ template "base" . }} plus the stanza. A template
# that already has the stanza is left as it is.
#
# --verifier  the nfd-compat-verifier binary, the client (default: next to
#             this script's repository's bin/, else the one on PATH)
# --verifierd the nfd-compat-verifierd binary, the full verifier (default:
#             next to --verifier)
# --fallback  where it is installed (default /usr/local/sbin/nfd-compat-verifierd,
#             the path compiled into the client; never inside --bin-dir,
#             whose every file containerd runs)
# --unit-dir  where nfd-compat-verifierd.service goes (default /etc/systemd/system)
# --bin-dir   containerd's bindir verifier directory
#             (default /opt/containerd/image-verifier/bin)
# --config    containerd's main config (default /etc/containerd/config.toml)
# --conf-dir  where the drop-in goes (default /etc/containerd/conf.d)
# --mode      the policy mode written into the drop-in (default enforce;
#             warn logs what enforce would refuse, and never blocks)
# --cache-dir the policy's cache_dir: caches and audit.jsonl
#             (default /var/lib/nfd-compat)
# --hosts-dir the policy's config_path, hosts.toml as CRI reads them
#             (default /etc/containerd/certs.d; use CRI's registry.config_path;
#             k3s/RKE2: their agent/etc/containerd/certs.d)
# --distro    which containerd to configure (default auto: detected; an
#             explicit --config or --conf-dir means stock containerd)
# --root      look for containerd's files under DIR instead of / (tests);
#             the default paths are then under DIR, and written so
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
verifier=""
verifierd=""
fallback="/usr/local/sbin/nfd-compat-verifierd"
unit_dir="/etc/systemd/system"
bin_dir="/opt/containerd/image-verifier/bin"
config=""
conf_dir=""
mode="enforce"
cache_dir="/var/lib/nfd-compat"
hosts_dir=""
distro="auto"
root=""
dry_run=0

die() { echo "install-verifier: $*" >&2; exit 1; }
run() { if [ "$dry_run" = 1 ]; then echo "+ $*"; else "$@"; fi; }

while [ $# -gt 0 ]; do
	case "$1" in
	--verifier) verifier="$2"; shift 2 ;;
	--verifierd) verifierd="$2"; shift 2 ;;
	--fallback) fallback="$2"; fallback_set=1; shift 2 ;;
	--unit-dir) unit_dir="$2"; unit_dir_set=1; shift 2 ;;
	--bin-dir) bin_dir="$2"; shift 2 ;;
	--config) config="$2"; shift 2 ;;
	--conf-dir) conf_dir="$2"; shift 2 ;;
	--mode) mode="$2"; shift 2 ;;
	--cache-dir) cache_dir="$2"; shift 2 ;;
	--hosts-dir) hosts_dir="$2"; shift 2 ;;
	--distro) distro="$2"; shift 2 ;;
	--root) root="${2%/}"; shift 2 ;;
	--dry-run) dry_run=1; shift ;;
	-h|--help) sed -n '2,48p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done

case "$mode" in enforce|warn|off) ;; *) die "--mode $mode: use enforce, warn or off" ;; esac
case "$distro" in auto|containerd|k3s|rke2) ;; *) die "--distro $distro: use auto, containerd, k3s or rke2" ;; esac

# The same choice as nfd-compat's containerdpaths.Detect: k3s, then RKE2,
# then stock; the first present one whose socket exists, else the first
# present one, else stock.
rancher_etc() { echo "$root/var/lib/rancher/$1/agent/etc/containerd"; }
if [ "$distro" = auto ]; then
	if [ -n "$config" ] || [ -n "$conf_dir" ]; then
		distro=containerd
	else
		present=()
		for d in k3s rke2; do [ -d "$(rancher_etc "$d")" ] && present+=("$d"); done
		if [ -f "$root/etc/containerd/config.toml" ] || [ -S "$root/run/containerd/containerd.sock" ]; then present+=(containerd); fi
		for d in "${present[@]}"; do
			case "$d" in
			containerd) sock="$root/run/containerd/containerd.sock" ;;
			*) sock="$root/run/k3s/containerd/containerd.sock" ;;
			esac
			if [ -S "$sock" ]; then distro="$d"; break; fi
		done
		if [ "$distro" = auto ]; then distro="${present[0]:-containerd}"; fi
		if [ "${#present[@]}" -gt 1 ]; then
			echo "install-verifier: found ${present[*]}; configuring $distro (use --distro to pick another)" >&2
		fi
	fi
fi

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
[ -n "$verifierd" ] || verifierd="$(dirname "$verifier")/nfd-compat-verifierd"
[ -f "$verifierd" ] || die "no nfd-compat-verifierd at $verifierd (make build puts it next to nfd-compat-verifier): give --verifierd PATH"
# Defaults under --root, as the other paths.
[ "${fallback_set:-0}" = 1 ] || fallback="$root$fallback"
[ "${unit_dir_set:-0}" = 1 ] || unit_dir="$root$unit_dir"
case "$fallback" in /*) ;; *) die "--fallback $fallback must be an absolute path" ;; esac
case "$(dirname "$fallback")/" in "${bin_dir%/}/"*) die "--fallback $fallback is inside bin_dir $bin_dir: containerd would run it on every pull; install it elsewhere" ;; esac

# The full verifier and its unit: the client asks it, or execs it.
install_resident() {
	run install -d -m 0755 "$(dirname "$fallback")"
	run install -m 0755 "$verifierd" "$fallback"
	unit="$unit_dir/nfd-compat-verifierd.service"
	if [ "$dry_run" = 1 ]; then
		echo "+ write $unit (ExecStart=$fallback serve)"
	else
		install -d -m 0755 "$unit_dir"
		sed -e "s|^ExecStart=/usr/local/sbin/nfd-compat-verifierd |ExecStart=$fallback |" "$here/nfd-compat-verifierd.service" >"$unit.tmp"
		chmod 0644 "$unit.tmp"
		mv "$unit.tmp" "$unit"
	fi
	if [ "$fallback" != "$root/usr/local/sbin/nfd-compat-verifierd" ]; then
		echo "install-verifier: the client looks for its fallback at the path compiled into it (make build VERIFIER_FALLBACK=...); for $fallback set Environment=NFD_COMPAT_VERIFIER_FALLBACK=$fallback in containerd's unit, or rebuild" >&2
	fi
}
resident_msg="Start the resident verifier: systemctl daemon-reload && systemctl enable --now nfd-compat-verifierd (without it each pull runs $fallback, slower)."

if [ "$distro" = containerd ]; then
	[ -n "$config" ] || config="$root/etc/containerd/config.toml"
	[ -n "$conf_dir" ] || conf_dir="$root/etc/containerd/conf.d"
	[ -n "$hosts_dir" ] || hosts_dir="$root/etc/containerd/certs.d"
else
	etc="$(rancher_etc "$distro")"
	[ -n "$hosts_dir" ] || hosts_dir="$etc/certs.d"
fi

# The stanza: the drop-in's tables, with this install's values.
stanza() {
	sed -e '1,/^version = /d' \
		-e "s|^  bin_dir = .*|  bin_dir = \"$bin_dir\"|" \
		-e "s|^  mode = \"enforce\"|  mode = \"$mode\"|" \
		-e "s|^  cache_dir = \"[^\"]*\"|  cache_dir = \"$cache_dir\"|" \
		-e "s|^  config_path = \"[^\"]*\"|  config_path = \"$hosts_dir\"|" \
		"$here/nfd-compat.toml"
}

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

if [ "$distro" != containerd ]; then
	# k3s/RKE2 regenerate config.toml from the template at each start.
	tmpl="$etc/config-v3.toml.tmpl"
	if [ ! -f "$tmpl" ] && [ -f "$etc/config.toml.tmpl" ]; then
		tmpl="$etc/config.toml.tmpl" # the one in use when there is no v3 template
	fi
	run install -d -m 0755 "$bin_dir"
	run install -m 0755 "$verifier" "$bin_dir/nfd-compat-verifier"
	install_resident
	if [ -f "$tmpl" ] && grep -q '^# BEGIN nfd-compat' "$tmpl"; then
		echo "install-verifier: keeping the existing nfd-compat stanza in $tmpl (remove the lines from # BEGIN nfd-compat to # END nfd-compat to get a fresh one)"
	elif [ -f "$tmpl" ] && grep -qE 'image-verifier\.v1\.(bindir|nfd-compat)' "$tmpl"; then
		echo "install-verifier: $tmpl already configures an image verifier (not written by this script): leaving it as it is; make sure it has the tables of $here/nfd-compat.toml" >&2
	elif [ "$dry_run" = 1 ]; then
		if [ -f "$tmpl" ]; then
			echo "+ append the nfd-compat stanza to $tmpl (mode $mode, bin_dir $bin_dir)"
		else
			echo "+ write $tmpl ({{ template \"base\" . }} and the nfd-compat stanza: mode $mode, bin_dir $bin_dir)"
		fi
	else
		install -d -m 0755 "$etc"
		if [ -f "$tmpl" ]; then
			cp -p "$tmpl" "$tmpl.nfd-compat.tmp"
		else
			printf '{{ template "base" . }}\n' >"$tmpl.nfd-compat.tmp"
			chmod 0644 "$tmpl.nfd-compat.tmp"
		fi
		# A template not ending in a newline would glue our first line to its last.
		if [ -n "$(tail -c1 "$tmpl.nfd-compat.tmp")" ]; then echo >>"$tmpl.nfd-compat.tmp"; fi
		{
			echo
			echo "# BEGIN nfd-compat (contrib/containerd/install-verifier.sh; edit freely, a rerun keeps it)"
			stanza
			echo "# END nfd-compat"
		} >>"$tmpl.nfd-compat.tmp"
		mv "$tmpl.nfd-compat.tmp" "$tmpl"
	fi
	units=""
	for u in $( [ "$distro" = k3s ] && echo k3s k3s-agent || echo rke2-server rke2-agent ); do
		for d in /etc/systemd/system /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
			if [ -f "$root$d/$u.service" ]; then units="$units $u"; break; fi
		done
	done
	if [ -z "$units" ]; then
		restart="$( [ "$distro" = k3s ] && echo 'systemctl restart k3s (server) or systemctl restart k3s-agent (agent)' || echo 'systemctl restart rke2-server (server) or systemctl restart rke2-agent (agent)' )"
	else
		restart="systemctl restart${units}"
	fi
	cat <<MSG
install-verifier: installed $bin_dir/nfd-compat-verifier, $fallback, $unit and the nfd-compat stanza in $tmpl (mode $mode).
$resident_msg
$distro regenerates $etc/config.toml from it at each start. Now restart it: $restart; then run: nfd-compat doctor
Decisions, warn-mode warnings included, are appended to $cache_dir/audit.jsonl.
MSG
	exit 0
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
install_resident
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
install-verifier: installed $bin_dir/nfd-compat-verifier, $fallback, $unit and $dropin (mode $mode).
$resident_msg
Now restart containerd (systemctl restart containerd) and run: nfd-compat doctor
Decisions, warn-mode warnings included, are appended to $cache_dir/audit.jsonl.
MSG
