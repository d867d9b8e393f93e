# SPDX-License-Identifier: MIT
# mslat: one top-level Makefile, out of tree into $(OUTPUT). `make V=1` prints commands.
#
#   make              everything (analyzer, recorder, test tools, demo programs)
#   make analyzer     only `mslat`: no BPF tooling, kernel headers or BTF needed
#   make recorder     only `mslat-record`
#   make test         install missing packages (as root), build, run every test
#                     in the normal and the ASan+UBSan build
#   make demo         record the demo model server under load and report on it
#   make bench        benchmarks (ratios against baselines run side by side)
#   make fuzz         libFuzzer on the reader, the codecs and the analysis (clang), FUZZ_SECONDS=60 each
#   make install      PREFIX=/usr/local DESTDIR=
#   make SAN=1        the ASan+UBSan build, in $(OUTPUT) = build/san

SAN ?= 0
ifeq ($(SAN),1)
OUTPUT ?= build/san
else
OUTPUT ?= build
endif
OUT := $(abspath $(OUTPUT))

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PROTOC_C ?= protoc-c
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(OUT)/%,%,$(2))";
endif

ARCH ?= $(shell uname -m)
BPF_ARCH := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(ARCH)))

CFLAGS ?= -g -O2
WARN := -Wall -Wextra -Werror -Wformat-signedness -Wno-missing-field-initializers
INCLUDES := -Icommon -Ianalyzer -Icollector -Ibpf -I$(OUT)/gen
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(INCLUDES) -DMSLAT_VERSION='"$(VERSION)"' $(CFLAGS) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS)
ifeq ($(SAN),1)
# float-cast-overflow: not part of gcc's "undefined" (clang's has it); a chart's double cast past 2^64 is UB
SAN_FLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined,float-cast-overflow
ALL_CFLAGS += $(SAN_FLAGS)
ALL_LDFLAGS += $(SAN_FLAGS)
endif

LIBS_COMMON := $(shell $(PKG_CONFIG) --libs libprotobuf-c libzstd 2>/dev/null || echo -lprotobuf-c -lzstd)
LIBS_ANALYZER := $(LIBS_COMMON) $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson) -lcsv -lm -lpthread
LIBS_RECORDER := $(LIBS_COMMON) $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lpthread

PROTO_C := $(OUT)/gen/mslat.pb-c.c
PROTO_H := $(OUT)/gen/mslat.pb-c.h

COMMON_SRCS := $(wildcard common/*.c)
ANALYZER_SRCS := $(wildcard analyzer/*.c)
COLLECTOR_SRCS := $(wildcard collector/*.c)
BPF_SRCS := $(wildcard bpf/*.bpf.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)

obj = $(patsubst %.c,$(OUT)/obj/%.o,$(1))
COMMON_OBJS := $(call obj,$(COMMON_SRCS)) $(OUT)/obj/gen/mslat.pb-c.o
ANALYZER_OBJS := $(call obj,$(ANALYZER_SRCS))
ANALYZER_LIB_OBJS := $(filter-out $(OUT)/obj/analyzer/main.o,$(ANALYZER_OBJS))
COLLECTOR_OBJS := $(call obj,$(COLLECTOR_SRCS))
UNIT_OBJS := $(call obj,$(UNIT_SRCS))
TOOLS := $(patsubst tests/tools/%.c,$(OUT)/tests/%,$(TOOL_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/gen/%.skel.h,$(BPF_SRCS))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))

DEMO_SERVER_SRCS := $(wildcard examples/demo-server/*.c)
LOADGEN_SRCS := $(wildcard examples/loadgen/*.c)
EXAMPLES := $(if $(DEMO_SERVER_SRCS),$(OUT)/demo-server) $(if $(LOADGEN_SRCS),$(OUT)/loadgen)

MSLAT := $(OUT)/mslat
RECORDER := $(OUT)/mslat-record
UNIT := $(OUT)/tests/unit-tests

.DELETE_ON_ERROR:
.PHONY: all analyzer recorder tools test test-only unit bench fuzz fuzz-build demo deps install clean

all: analyzer $(if $(COLLECTOR_SRCS),recorder) tools $(EXAMPLES)

analyzer: $(MSLAT)
recorder: $(RECORDER)
tools: $(UNIT) $(TOOLS)

# --- generated sources -------------------------------------------------------
$(PROTO_C) $(PROTO_H) &: proto/mslat.proto
	$(call msg,PROTOC,$@)
	@mkdir -p $(OUT)/gen
	$(Q)$(PROTOC_C) --proto_path=proto --c_out=$(OUT)/gen $<

ifdef VMLINUX_H
$(OUT)/gen/vmlinux.h: $(VMLINUX_H)
	@mkdir -p $(OUT)/gen
	$(Q)cp $< $@
else
$(OUT)/gen/vmlinux.h:
	$(call msg,BTF,$@)
	@mkdir -p $(OUT)/gen
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@
endif

# BPF objects are never sanitized: clang -target bpf with plain, strict flags.
$(BPF_OBJS): $(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/gen/vmlinux.h $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I$(OUT)/gen -Ibpf -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@ 2>/dev/null || true

LLVM_STRIP ?= true

# record_compat.bpf.c is record.bpf.c built with MSLAT_COMPAT (kernels before 6.2).
$(OUT)/bpf/record_compat.bpf.o: bpf/record.bpf.c

$(SKELS): $(OUT)/gen/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# --- objects -----------------------------------------------------------------
$(OUT)/obj/gen/mslat.pb-c.o: $(PROTO_C)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -Werror -Wextra,$(ALL_CFLAGS)) -c $< -o $@

# Static pattern rules: explicit, so make never falls back to the generic rule.
$(COLLECTOR_OBJS): $(OUT)/obj/collector/%.o: collector/%.c | $(PROTO_H) $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUT)/obj/%.o: %.c | $(PROTO_H)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# --- binaries ----------------------------------------------------------------
$(MSLAT): $(ANALYZER_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LIBS_ANALYZER) -o $@

$(RECORDER): $(COLLECTOR_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LIBS_RECORDER) -o $@

$(UNIT): $(UNIT_OBJS) $(ANALYZER_LIB_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LIBS_ANALYZER) -o $@

$(OUT)/tests/%: $(OUT)/obj/tests/tools/%.o $(COMMON_OBJS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LIBS_ANALYZER) -o $@

$(OUT)/demo-server: $(call obj,$(DEMO_SERVER_SRCS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lm -lpthread -o $@

$(OUT)/loadgen: $(call obj,$(LOADGEN_SRCS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lm -lpthread -o $@

# --- set-up, tests, demo, benchmarks ----------------------------------------
deps:
	@scripts/install-deps

# The suite runs twice: the normal build, then the ASan+UBSan one.
test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory SAN=1 all
	$(Q)tests/run $(OUT) $(abspath build/san)

# Run the suite without (re)installing or rebuilding the sanitizer build.
test-only: all
	$(Q)tests/run $(OUT)

unit: $(UNIT)
	$(Q)$(UNIT)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo $(OUT)

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run $(OUT)

# libFuzzer targets, built with clang into $(OUT)/fuzz; FUZZ_SECONDS each.
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Icommon -I$(OUT)/gen -DMSLAT_VERSION='"$(VERSION)"'
# The analyzer's caps, tiny, so that a fuzzer's few keys and records reach
# what happens past them (folded keys, dropped arrivals, segments decided early,
# tables that grow).
FUZZ_SMALL_CAPS := -DKEYS_CAP=6 -DREQ_THREADS_CAP=2 -DMARKER_OPEN_CAP=2 -DSEG_HELD_CAP=4 \
	-DARRIVALS_FD_CAP=4 -DARRIVALS_AHEAD_CAP=8 -DQUEUED_FD_CAP=2 -DQUEUED_AHEAD_CAP=4 -DRUNQ_CAP=4 \
	-DRUNQ_HELD_CAP=8 -DPEND_CAP=8 -DLATE_WALK_CAP=2 -DCOMM_CAP=2 -DKV_INIT_CAP=2 \
	-DUNSENT_AHEAD_CAP=4
FUZZ_CAPS ?= 1	# 0: not that second build of fuzz_analysis
fuzz: fuzz-build
	$(Q)scripts/fuzz $(OUT)/fuzz $(FUZZ_SECONDS)

# The targets only: tests/cli/test_fuzz_regressions.sh replays past finds with them.
fuzz-build: $(PROTO_H)
	@mkdir -p $(OUT)/fuzz
	$(Q)for f in $(FUZZ_SRCS); do \
		extra="$(LIBS_COMMON)" caps=; \
		case $$f in */fuzz_analysis.c) \
			extra="-Ianalyzer $(filter-out analyzer/main.c,$(ANALYZER_SRCS)) $(LIBS_ANALYZER)"; \
			[ "$(FUZZ_CAPS)" = 0 ] || caps=fuzz_analysis_caps;; \
		esac; \
		$(CLANG) $(FUZZ_FLAGS) $$f $(COMMON_SRCS) $(PROTO_C) $$extra \
			-o $(OUT)/fuzz/$$(basename $$f .c) || exit 1; \
		[ -z "$$caps" ] || $(CLANG) $(FUZZ_FLAGS) $(FUZZ_SMALL_CAPS) $$f $(COMMON_SRCS) $(PROTO_C) \
			$$extra -o $(OUT)/fuzz/$$caps || exit 1; \
	done

# --- install -----------------------------------------------------------------
BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man
install: all
	install -d $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5
	install -m 0755 $(MSLAT) $(BINDIR)/mslat
	$(if $(COLLECTOR_SRCS),install -m 0755 $(RECORDER) $(BINDIR)/mslat-record)
	$(if $(wildcard docs/man/*.1),install -m 0644 $(wildcard docs/man/*.1) $(MANDIR)/man1/)
	$(if $(wildcard docs/man/*.5),install -m 0644 $(wildcard docs/man/*.5) $(MANDIR)/man5/)

clean:
	rm -rf build $(filter-out build build/san,$(OUTPUT))

DEPS := $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
-include $(DEPS)
