# Vigil - the two commands a new user needs:
#   make run    install missing Debian packages, build, start `vigil run` with the defaults
#   make test   same set-up, then every test in the optimised and the ASan+UBSan builds
#
# Other targets: deps, build, build-asan, fuzz, fuzz-run, bench, format, format-check, clean.

BUILD_DIR   ?= build
VIGIL_SHARED ?= $(abspath $(CURDIR)/../shared)
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN   := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
RUN_ARGS    ?=
FUZZ_SECONDS ?= 60

DEB_PACKAGES := build-essential cmake ninja-build pkg-config clang clang-format \
	libclang-rt-14-dev libpcre2-dev libyaml-dev libjansson-dev libcmocka-dev \
	libsystemd-dev libssl-dev libevent-dev libsqlite3-dev \
	libaudit-dev libauparse-dev python3 openssl curl

.PHONY: all deps build build-asan test run fuzz fuzz-run bench format format-check clean

all: build

deps:
	@scripts/install-deps.sh $(DEB_PACKAGES)

build: deps
	@[ -f $(BUILD_DIR)/release/CMakeCache.txt ] || cmake -S . -B $(BUILD_DIR)/release $(CMAKE_GEN) \
		-DCMAKE_BUILD_TYPE=Release -DVIGIL_SHARED=$(VIGIL_SHARED)
	cmake --build $(BUILD_DIR)/release -j $(JOBS)

build-asan: deps
	@[ -f $(BUILD_DIR)/asan/CMakeCache.txt ] || cmake -S . -B $(BUILD_DIR)/asan $(CMAKE_GEN) \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DVG_SANITIZE=ON -DVIGIL_SHARED=$(VIGIL_SHARED)
	cmake --build $(BUILD_DIR)/asan -j $(JOBS)

test: build build-asan
	@echo "== optimised build =="
	cd $(BUILD_DIR)/release && ctest --output-on-failure -j $(JOBS)
	@echo "== ASan+UBSan build =="
	cd $(BUILD_DIR)/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

run: build
	$(BUILD_DIR)/release/vigil run $(RUN_ARGS)

fuzz: deps
	@[ -f $(BUILD_DIR)/fuzz/CMakeCache.txt ] || CC=clang cmake -S . -B $(BUILD_DIR)/fuzz \
		$(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVG_FUZZ=ON
	cmake --build $(BUILD_DIR)/fuzz -j $(JOBS)

# Runs every fuzz target for FUZZ_SECONDS on its corpus in fuzz/corpus/<target>.
fuzz-run: fuzz
	@VIGIL_FUZZ_WAZUH=$(VIGIL_SHARED)/data/wazuh-ruleset scripts/fuzz-all.sh $(BUILD_DIR)/fuzz $(FUZZ_SECONDS)

bench: build
	@scripts/bench.sh $(BUILD_DIR)/release $(VIGIL_SHARED)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@scripts/format-check.sh

clean:
	rm -rf $(BUILD_DIR)
