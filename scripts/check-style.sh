#!/usr/bin/env bash
# The style gates.
#   scripts/check-style.sh format            every C++ source is as clang-format leaves it
#                                            (.clang-format); `make format` fixes them
#   scripts/check-style.sh tidy [BUILD_DIR]  the engine's and the test fakes' sources pass the
#                                            checks of .clang-tidy (needs only a configured
#                                            build directory: its compile_commands.json)
# Both print each problem with file:line and exit 1 when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."

sources() { find "$@" \( -name '*.cc' -o -name '*.h' \) -not -path '*/build*' | sort; }

case "${1:-}" in
  format)
    sources engine tests bench | xargs clang-format --dry-run --Werror || exit 1
    echo "format: $(sources engine tests bench | wc -l) files as clang-format leaves them"
    ;;
  tidy)
    build="${2:-build-tidy}"
    if [ ! -f "$build/compile_commands.json" ]; then
      cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug >/dev/null
    fi
    files=$(find engine tests/fakes -name '*.cc' | sort)
    # GCC-only warning flags are not clang's: not a finding.
    echo "$files" | xargs -P "${JOBS:-$(nproc)}" -n 4 clang-tidy -p "$build" --quiet \
      --extra-arg=-Wno-unknown-warning-option 2>/dev/null || exit 1
    echo "tidy: $(echo "$files" | wc -l) files pass .clang-tidy"
    ;;
  *)
    echo "usage: $0 format | tidy [BUILD_DIR]" >&2
    exit 2
    ;;
esac
