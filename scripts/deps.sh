#!/usr/bin/env bash
# The one list of Debian 12 packages klaxon needs, by purpose; installs the missing ones.
# Quiet when everything is present; safe to run again. Used by the Makefile (make demo,
# make test), by docker/Dockerfile (build and runtime stages) and by
# scripts/fresh-debian-check.sh, so a fresh machine and the image cannot drift apart.
#
#   scripts/deps.sh [build|test|tidy|bench|runtime]  install that group (default build)
#   scripts/deps.sh --list GROUP                   print the group's packages, install nothing
set -euo pipefail

# Compilers and -dev packages: what CMake's find_package/pkg_check_modules look for.
build_pkgs=(g++ cmake make pkg-config
  librdkafka-dev librocksdb-dev libsimdjson-dev libhyperscan-dev prometheus-cpp-dev
  libspdlog-dev libyaml-cpp-dev libcli11-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
  libgtest-dev libgmock-dev)
# The real components the tests start or call, and the tools they check files with.
test_pkgs=(kcat curl python3 python3-jsonschema python3-yaml python3-aiosmtpd
  prometheus prometheus-alertmanager valgrind docker-compose clang-format)
# make tidy: the checks of .clang-tidy (CI runs them).
tidy_pkgs=(clang-tidy)
bench_pkgs=(kcat python3-confluent-kafka libbenchmark-dev valgrind)
# The shared libraries the klaxon binary links (docker/Dockerfile's runtime stage; RocksDB
# is linked statically, hence its compression libraries). tests/deploy/check_runtime_deps.py
# compares this list with the binary's NEEDED entries.
runtime_pkgs=(librdkafka1 libhyperscan5 libsimdjson14 libprometheus-cpp-core1.0 libcivetweb1
  libspdlog1.10 libfmt9 libyaml-cpp0.7 libcurl4 libssl3 zlib1g libsnappy1v5 libbz2-1.0 liblz4-1
  libzstd1 ca-certificates)

list_only=false
if [ "${1:-}" = "--list" ]; then
  list_only=true
  shift
fi
group="${1:-build}"
case "$group" in
  build) pkgs=("${build_pkgs[@]}") ;;
  test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  tidy) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${tidy_pkgs[@]}") ;;
  bench) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  runtime) pkgs=("${runtime_pkgs[@]}") ;;
  *) echo "usage: $0 [--list] [build|test|tidy|bench|runtime]" >&2; exit 2 ;;
esac
if $list_only; then
  printf '%s\n' "${pkgs[@]}" | sort -u
  exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "$0: not root and no sudo: install as root: apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "$0: apt-get failed (above); nothing was built" >&2
  exit 1
fi
rm -f "$log"
