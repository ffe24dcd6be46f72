# Strata's entry points. `make run` and `make test` are the two commands a new
# machine needs; both install what is missing first.

BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=
SIM_SEEDS   ?= 1000

.PHONY: all setup build build-asan test test-release test-asan run sim-demo format format-check clean

all: build

setup:
	scripts/setup

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON $(CMAKE_FLAGS)

# Release build into build/ (binaries in build/bin/).
build: $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Unit and simulation tests built with AddressSanitizer + UndefinedBehaviorSanitizer.
build-asan: $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS) --target unit_and_sim_tests

test-release: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 1200

test-asan: build-asan
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) -L 'unit|sim' --timeout 1200

# Everything CI runs: install, build both configurations, run every test.
test: setup format-check
	$(MAKE) test-release
	$(MAKE) test-asan

# The main job: a one-member Strata in the foreground, data in ./data.
run: setup build
	@echo "Strata is starting on 127.0.0.1:2379 (data in ./data). In another shell:"
	@echo "  ETCDCTL_API=3 etcdctl put greeting hello"
	@echo "  ETCDCTL_API=3 etcdctl get greeting"
	@echo "Stop it with Ctrl-C."
	$(BUILD_DIR)/bin/strata-server --data-dir ./data

# A short, readable simulation of a cluster electing, replicating and
# surviving a leader crash.
sim-demo: build
	$(BUILD_DIR)/bin/strata-sim --demo

format:
	find src tools tests proto examples -name '*.h' -o -name '*.cc' | xargs clang-format -i

format-check:
	find src tools tests proto examples -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
