#!/usr/bin/env bash
# The README's promise, checked as a newcomer meets it: on a bare Debian 12 root (built with
# mmdebstrap: apt, make, git and ca-certificates, nothing else), clone this checkout and run
# `make demo` (and `make test` with --test). Nothing is installed by hand: whatever the build,
# the demo or the tests need must come from scripts/deps.sh. CI runs it (.ci/run).
#
#   scripts/fresh-debian-check.sh [--test] [--keep] [--root DIR]
#     --test      also `make test` in the root (the README's second command)
#     --keep      leave the root (and its build) in place afterwards
#     --root DIR  where to build the root: a new or empty directory (default: a new one
#                 under /var/tmp)
#
# Needs root (mmdebstrap, chroot, mounts) and Debian's mirror (deb.debian.org, or
# $KLAXON_DEBIAN_MIRROR). It checks the committed HEAD: uncommitted changes are not cloned.
# It runs in its own mount and PID namespaces (unshare): the root's /proc, /sys and /dev
# mounts and every process started in it end with the script, also when it is killed.
# Times on 2 cores: the root ~20 s, packages ~1 min, `make demo` ~4 min with its 30 s run;
# `make test` ~6.5 min more (10.5 min in all, measured in CI).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
usage() { echo "usage: $0 [--test] [--keep] [--root DIR]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (mmdebstrap, chroot, mount)" >&2; exit 1; }

if [ -z "${KLAXON_FRESH_INNER:-}" ]; then
  # Mounts private to this run, and a PID namespace whose processes die with it.
  exec unshare --mount --propagation private --pid --fork --kill-child \
    env KLAXON_FRESH_INNER=1 "$0" "$@"
fi

run_tests=false
keep=false
root=""
while [ $# -gt 0 ]; do
  case "$1" in
    --test) run_tests=true ;;
    --keep) keep=true ;;
    --root) [ $# -ge 2 ] || usage; root="$2"; shift ;;
    *) usage ;;
  esac
  shift
done
if [ -n "$root" ] && [ -e "$root" ] && [ -n "$(ls -A "$root" 2>/dev/null)" ]; then
  echo "$0: --root $root is not empty; give a new or empty directory" >&2
  exit 2
fi
if ! command -v mmdebstrap >/dev/null; then
  echo "installing mmdebstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi
[ -n "$root" ] || root="$(mktemp -d /var/tmp/klaxon-fresh-debian.XXXXXX)"
mkdir -p "$root"
root="$(cd "$root" && pwd)"
created=false  # only a root this run made is removed
mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  if $keep; then
    echo "fresh root kept at $root"
  elif $created; then
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT

started=$SECONDS
step() { printf '\n== fresh Debian 12 [%4ds] %s\n' $((SECONDS - started)) "$*"; }

step "mmdebstrap --variant=apt --include=make,git,ca-certificates bookworm $root"
created=true
mmdebstrap --quiet --variant=apt --include=make,git,ca-certificates bookworm "$root" \
  ${KLAXON_DEBIAN_MIRROR:+"$KLAXON_DEBIAN_MIRROR"}
mkdir -p "$root/proc" "$root/sys" "$root/dev"
mounted+=("$root/proc") && mount -t proc proc "$root/proc"  # this PID namespace's own
mounted+=("$root/sys") && mount --rbind /sys "$root/sys"
mounted+=("$root/dev") && mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"

step "git clone $repo (HEAD $(git -C "$repo" rev-parse --short HEAD))"
git -c safe.directory="$repo" -c safe.directory="$repo/.git" clone --quiet --no-hardlinks \
  "$repo" "$root/root/klaxon"

# A clean environment, as a login on the new machine has: no PATH entries, compilers or
# Python of this host's.
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /root/klaxon && $1"
}

step "make demo"
in_root "make demo"
if $run_tests; then
  step "make test"
  in_root "make test"
fi
step "passed: $($run_tests && echo 'make demo and make test' || echo 'make demo') on a bare Debian 12"
