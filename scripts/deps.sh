#!/usr/bin/env bash
# Installs the Debian packages klaxon needs, only when one is missing.
# Quiet when everything is present; safe to run again (idempotent).
set -euo pipefail
group="${1:-build}"
build_pkgs=(g++ cmake make pkg-config
  librdkafka-dev librocksdb-dev libsimdjson-dev libhyperscan-dev prometheus-cpp-dev
  libspdlog-dev libyaml-cpp-dev libcli11-dev libcurl4-openssl-dev zlib1g-dev libgtest-dev libgmock-dev)
test_pkgs=(kcat python3 python3-jsonschema python3-yaml python3-aiosmtpd prometheus-alertmanager valgrind
  prometheus)
bench_pkgs=(kcat python3-confluent-kafka libbenchmark-dev valgrind)
case "$group" in
  build) pkgs=("${build_pkgs[@]}") ;;
  test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
