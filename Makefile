# Roombook — make run · make test · make bench · make clean
# MODE=release (default) or MODE=asan (AddressSanitizer + UBSan) picks build/$(MODE).

MODE     ?= release
BUILD    := build/$(MODE)
# CHAOS_BROKEN=1: the chaos test's negative control only (tests/chaos): the same programs
# built into build/broken (build/broken-asan) with the refund skipped. Never `make run`.
ifeq ($(CHAOS_BROKEN),1)
BUILD    := build/broken$(if $(filter asan,$(MODE)),-asan)
endif
BIN      := $(BUILD)/bin
# The one list of services is cgi-bin/services.c (one `&<name>_service,` a line).
ALL_SERVICES := $(shell sed -n 's/^[[:space:]]*&\([a-z_]*\)_service,.*/\1/p' cgi-bin/services.c)
SERVICES := $(filter $(ALL_SERVICES),$(basename $(notdir $(wildcard cgi-bin/*.c))))

CC       ?= cc
CXX      ?= g++
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   := -std=c11 -O2 -g $(WARN) -D_GNU_SOURCE -pthread -Icgi-bin/lib -Icgi-bin
CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -Icgi-bin/lib
# A program keeps only the libraries its code calls (--as-needed; the shared code is an
# archive, so a program takes only the parts it uses): libcurl, with its twenty-odd
# libraries, only where e-mail is sent. Each library loaded costs every process RSS.
LDLIBS   := -lfcgi -lsqlite3 -ljansson -lcurl -lctemplate -lcrypt -lqrencode -lstdc++ -pthread
LDFLAGS  += -Wl,--as-needed
ifeq ($(CHAOS_BROKEN),1)
CFLAGS   += -DROOMBOOK_BROKEN_REFUND
endif
ifeq ($(MODE),asan)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS   := $(filter-out -O2,$(CFLAGS)) -O1 $(SAN)
CXXFLAGS := $(filter-out -O2,$(CXXFLAGS)) -O1 $(SAN)
LDFLAGS  += $(SAN)
endif

# Debian packages: what building and running need, and what only the tests and the
# benchmark need (chromium, nodejs, npm: browser tests; tidy: HTML check; wrk: bench;
# siege: make drill-breaker, make drill-heal;
# clang, libclang-rt-dev: make fuzz; prometheus: promtool and a real scrape in test_metrics;
# systemd: systemd-analyze verify of deploy/systemd; logrotate: deploy/logrotate against a real stack;
# librsvg2-bin, zbar-tools: a ticket's QR code rasterised (rsvg-convert) and decoded (zbarimg) in test_tickets;
# python3-aiosmtpd: a real SMTP server that tests/blackbox/test_email.py reads the e-mails from).
# A package counts as present when dpkg has it or a command of its name exists
# (NodeSource's nodejs bundles npm and conflicts with Debian's npm).
RUN_PACKAGES  := gcc g++ make libfcgi-dev libsqlite3-dev libctemplate-dev libjansson-dev \
                 libcurl4-openssl-dev libcrypt-dev libssl-dev libqrencode-dev nginx supervisor curl sqlite3 python3
TEST_PACKAGES := $(RUN_PACKAGES) wrk siege chromium nodejs npm tidy clang libclang-rt-dev prometheus systemd logrotate \
                 librsvg2-bin zbar-tools python3-aiosmtpd

LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cgi-bin/lib/*.c)) $(BUILD)/cgi-bin/lib/view.o
LIB_OBJ  := $(filter-out $(BUILD)/cgi-bin/lib/fcgi_main.o,$(LIB_OBJ))
LIB_A    := $(BUILD)/libroombook.a
SVC_OBJ  := $(SERVICES:%=$(BUILD)/cgi-bin/%.o) $(BUILD)/cgi-bin/services.o
PROGRAMS := $(SERVICES:%=$(BIN)/%) $(if $(wildcard cgi-bin/worker.c),$(BIN)/worker) \
            $(if $(wildcard cgi-bin/audit.c),$(BIN)/audit) $(if $(wildcard cgi-bin/backup.c),$(BIN)/backup)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_OBJ := $(BUILD)/tests/unit/unit_support.o # service_stopping/service_sleep_ms for tests
-include tests/fuzz/fuzz.mk

.PHONY: all deps run-deps packages build programs run test test-asan unit blackbox bench chaos drill-breaker drill-heal drill-deploy deploy backup clean
all: build

# Installs whatever of $(1) is missing (needs root, as on a fresh machine).
define install_missing
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || command -v $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

run-deps:
	$(call install_missing,$(RUN_PACKAGES))

deps: packages node_modules

packages:
	$(call install_missing,$(TEST_PACKAGES))

# playwright-core for the browser tests (tests/browser), pinned in package-lock.json;
# it drives Debian's /usr/bin/chromium (never downloads a browser).
node_modules: package.json $(wildcard package-lock.json) | packages
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error >/dev/null; \
	else npm install --no-audit --no-fund --loglevel=error >/dev/null; fi
	@touch $@

build: $(PROGRAMS) $(UNIT_BIN)

programs: $(PROGRAMS)

$(BUILD)/%.o: %.c $(wildcard cgi-bin/lib/*.h cgi-bin/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# view.cc reads the request and response structs (http.h): every header, as for C.
$(BUILD)/cgi-bin/lib/view.o: cgi-bin/lib/view.cc $(wildcard cgi-bin/lib/*.h)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c -o $@ $<

$(BUILD)/main/%.o: cgi-bin/lib/fcgi_main.c $(wildcard cgi-bin/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DSERVICE=$*_service -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN)/worker: $(BUILD)/cgi-bin/worker.o $(SVC_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The audit reads every database read-only: no service code, only the configuration.
$(BIN)/audit: $(BUILD)/cgi-bin/audit.o $(BUILD)/cgi-bin/audit_invariants.o $(BUILD)/cgi-bin/lib/config.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/cgi-bin/audit.o $(BUILD)/cgi-bin/audit_invariants.o: cgi-bin/audit_invariants.h

# Backups take every database's write lock for milliseconds and copy them: no service code.
$(BIN)/backup: $(BUILD)/cgi-bin/backup.o $(BUILD)/cgi-bin/lib/config.o $(BUILD)/cgi-bin/lib/digest.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The e-mail senders (and with them libcurl) go into the messages and accounts programs
# alone, not into the worker that links every service's code above (messages_mail.h,
# accounts_mail.h).
$(BIN)/messages: $(BUILD)/cgi-bin/messages.o $(BUILD)/cgi-bin/messages_mail.o $(BUILD)/main/messages.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/accounts: $(BUILD)/cgi-bin/accounts.o $(BUILD)/cgi-bin/accounts_mail.o $(BUILD)/main/accounts.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/%: $(BUILD)/cgi-bin/%.o $(BUILD)/main/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(SVC_OBJ) $(LIB_OBJ) $(UNIT_OBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(SVC_OBJ) $(LIB_OBJ) $(UNIT_OBJ) $(LDLIBS)

run: run-deps
	$(MAKE) build
	BIN=$(CURDIR)/$(BIN) scripts/stack run

test: deps node_modules
	$(MAKE) build
	$(MAKE) CHAOS_BROKEN=1 programs
	BIN=$(CURDIR)/$(BIN) python3 tests/run.py

# The whole suite again with AddressSanitizer and UBSan in every program.
test-asan: deps node_modules
	$(MAKE) MODE=asan build
	$(MAKE) MODE=asan CHAOS_BROKEN=1 programs
	BIN=$(CURDIR)/build/asan/bin SANITIZED=1 python3 tests/run.py

# Mixed load from many clients while random processes of the stack are SIGKILLed every
# 1-3 s for CHAOS_SECONDS; then the audit must pass and every 201 a client saw must be
# there. Then the negative control (CHAOS_CONTROL_SECONDS, the build without refunds)
# must make the audit fail. See docs/chaos.md.
CHAOS_SECONDS         ?= 300
CHAOS_CONTROL_SECONDS ?= 30
chaos: run-deps
	$(MAKE) programs
	$(MAKE) CHAOS_BROKEN=1 programs
	BIN=$(CURDIR)/$(BIN) python3 tests/chaos/chaos.py --seconds $(CHAOS_SECONDS)
	BIN=$(CURDIR)/build/broken$(if $(filter asan,$(MODE)),-asan)/bin python3 tests/chaos/chaos.py \
	  --seconds $(CHAOS_CONTROL_SECONDS) --expect-breach cancelled.refunded_once

bench: deps
	$(MAKE) build
	BIN=$(CURDIR)/$(BIN) python3 tests/bench/run

# Operations drills (docs/operations.md): figures, not tests.
drill-breaker: deps
	$(MAKE) build
	BIN=$(CURDIR)/$(BIN) scripts/drill-breaker

drill-heal: deps
	$(MAKE) build
	BIN=$(CURDIR)/$(BIN) scripts/drill-heal

drill-deploy: deps
	$(MAKE) build
	BIN=$(CURDIR)/$(BIN) python3 scripts/drill_deploy.py

# New code into the running stack (ROOMBOOK_VAR, ./var), one process at a time, no request
# lost: docs/operations.md "Deploying".
deploy: run-deps
	$(MAKE) programs
	scripts/deploy

# A consistent copy of every database of $(ROOMBOOK_VAR) (default ./var), the stack running
# or not, into BACKUP_DIR (default <var>/backups/<UTC time>). Restore: docs/operations.md.
BACKUP_DIR ?= $(or $(ROOMBOOK_VAR),var)/backups/$(shell date -u +%Y%m%dT%H%M%SZ)
backup: $(BIN)/backup
	$(BIN)/backup $(BACKUP_DIR)

clean:
	rm -rf build tests/out
.SECONDARY:
