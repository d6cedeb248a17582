#!/usr/bin/env bash
# Configures and builds with CMake for the Makefile, quietly: one line saying what is built
# and how long a first build takes, a percentage on a terminal, and the compiler's output
# only when the build fails (all of it is in DIR/build.log).
#
#   scripts/build.sh DIR "WHAT" "FIRST BUILD TIME" [-DOPTION=VALUE...] -- TARGET...
#   e.g. scripts/build.sh build "klaxon" "about 4 minutes on 2 cores" -DCMAKE_BUILD_TYPE=Release -- klaxon
set -euo pipefail
dir="$1" what="$2" first_time="$3"
shift 3
cmake_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
targets=("$@")
jobs="${JOBS:-$(nproc)}"

mkdir -p "$dir"
log="$dir/build.log"
if [ ! -f "$dir/CMakeCache.txt" ]; then
  echo "building $what: a first build takes $first_time; later ones only what changed (log: $log)"
fi
started=$SECONDS
if ! cmake -S . -B "$dir" "${cmake_args[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  echo "CMake could not configure $dir (output above, also in $log)" >&2
  exit 1
fi
target_args=()
for t in "${targets[@]}"; do target_args+=(--target "$t"); done
cmake --build "$dir" -j "$jobs" "${target_args[@]}" -- --no-print-directory >>"$log" 2>&1 &
pid=$!
if [ -t 1 ]; then
  while kill -0 "$pid" 2>/dev/null; do
    pct=$(grep -o '^\[ *[0-9]*%\]' "$log" 2>/dev/null | tail -1 | tr -dc '0-9' || true)
    [ -n "$pct" ] && printf '\r  %s%%  %ds ' "$pct" $((SECONDS - started))
    sleep 1
  done
  printf '\r\033[K'
fi
if ! wait "$pid"; then
  if grep -q -E ': error:|Error [0-9]' "$log"; then
    grep -E -B2 -A12 ': error:' "$log" | head -n 80 >&2 || true
  else
    tail -n 60 "$log" >&2
  fi
  echo "the build of $what failed (the first errors above; everything in $log)" >&2
  exit 1
fi
elapsed=$((SECONDS - started))
if [ "$elapsed" -ge 20 ]; then echo "built $what in ${elapsed}s"; fi
