# The README's two commands: `make demo` and `make test`.
# Each installs the Debian packages it needs (scripts/deps.sh: only the missing ones, quietly),
# builds what it runs (scripts/build.sh: one line, the compiler's output only on failure),
# then runs.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
DEMO_ARGS ?=
export JOBS

.PHONY: all deps deps-test build klaxon demo test test-sanitize chaos fresh-debian-check bench format tidy clean

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

# The engine alone: all `make demo` needs.
klaxon: deps
	@scripts/build.sh $(BUILD) "klaxon" "about 3 minutes on 2 cores" \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -- klaxon

# The engine, every test and the bench tools.
build: deps-test
	@scripts/build.sh $(BUILD) "klaxon and its tests" "about 6 minutes on 2 cores" \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -- all

demo: klaxon
	@$(BUILD)/klaxon demo --rules rules/pay.yaml $(DEMO_ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

# The same tests once under AddressSanitizer and UndefinedBehaviorSanitizer (CI runs this too).
test-sanitize: deps-test
	@scripts/build.sh $(ASAN_BUILD) "klaxon and its tests under ASan+UBSan" \
	  "about 5 minutes on 2 cores" -DCMAKE_BUILD_TYPE=Debug -DKLAXON_SANITIZE=ON -- all
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600

# The verification campaign, longer than the run inside `make test`: SEEDS scenarios of
# BLOCKS blocks each (tests/chaos/chaos_test.cc); their figures go to tests/chaos/RESULTS.md.
SEEDS ?= 10
BLOCKS ?= 10
chaos: build
	rm -f $(BUILD)/chaos-results.jsonl
	KLAXON_CHAOS_SEEDS=$(SEEDS) KLAXON_CHAOS_BLOCKS=$(BLOCKS) \
	  KLAXON_CHAOS_RESULTS=$(CURDIR)/$(BUILD)/chaos-results.jsonl \
	  $(BUILD)/tests/chaos/chaos_test; status=$$?; \
	  /usr/bin/python3 tests/chaos/summarize.py $(BUILD)/chaos-results.jsonl > $(BUILD)/chaos-results.md && \
	  mv $(BUILD)/chaos-results.md tests/chaos/RESULTS.md && cat tests/chaos/RESULTS.md; exit $$status

# Both README commands on a bare Debian 12 root (needs root; CI runs it).
fresh-debian-check:
	scripts/fresh-debian-check.sh --test

bench:
	bench/run

format:
	@find engine tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

# The checks of .clang-tidy on the engine and the test fakes (CI runs it; a few minutes).
tidy:
	@scripts/deps.sh tidy
	@scripts/check-style.sh tidy

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-tidy
