# tests/fuzz/fuzz.mk — fuzz targets for the parsers that read request bytes (one per
# tests/fuzz/fuzz_<name>.c, seeds in tests/fuzz/corpus/<name>/). Included by the Makefile.
#   make build            also builds each target with $(CC) + replay_main.c as
#                         build/$(MODE)/fuzz/fuzz_<name>; tests/run.py replays the corpus
#   make fuzz             builds them with clang + libFuzzer (ASan, UBSan) in build/fuzz,
#                         runs each for FUZZ_SECONDS and merges new inputs into the corpus
#   make fuzz-<name>      the same for one target; crashes land in build/fuzz/crashes/

ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_HDR     := $(wildcard tests/fuzz/*.h)
FUZZ_SECONDS ?= 20
FUZZ_CC      ?= clang
FUZZ_CXX     ?= clang++
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := $(filter-out -O2,$(CFLAGS)) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_OBJ     := $(patsubst $(BUILD)/%,$(FUZZ_DIR)/obj/%,$(LIB_OBJ) $(UNIT_OBJ))
FUZZ_FLAGS   := -max_len=2048 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

.PHONY: fuzz
build: $(FUZZ_REPLAY)

# Replay build: the normal compiler and flags (ASan + UBSan under MODE=asan).
$(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz_%.o) $(BUILD)/tests/fuzz/replay_main.o: $(FUZZ_HDR)

$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o $(LIB_OBJ) $(UNIT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer build: everything the target links, compiled again with clang.
$(FUZZ_DIR)/obj/%.o: %.c $(wildcard cgi-bin/lib/*.h) $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/cgi-bin/lib/view.o: cgi-bin/lib/view.cc $(wildcard cgi-bin/lib/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(filter-out -O2,$(CXXFLAGS)) -O1 $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJ)
	$(FUZZ_CXX) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) # C++ in view.o: link as C++

fuzz: $(FUZZ_NAMES:%=fuzz-%)

# Fuzzes in a scratch directory seeded by the corpus, then merges into the corpus only
# the inputs that reach new code.
fuzz-%: $(FUZZ_DIR)/fuzz_%
	@mkdir -p $(FUZZ_DIR)/work/$* $(FUZZ_DIR)/crashes tests/fuzz/corpus/$*
	$< $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(FUZZ_DIR)/crashes/$*- \
	  $(FUZZ_DIR)/work/$* tests/fuzz/corpus/$*
	@$< -merge=1 $(FUZZ_FLAGS) tests/fuzz/corpus/$* $(FUZZ_DIR)/work/$* >$(FUZZ_DIR)/merge-$*.log 2>&1; \
	  rc=$$?; tail -1 $(FUZZ_DIR)/merge-$*.log; exit $$rc
