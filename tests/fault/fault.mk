# tests/fault/fault.mk - fault injection and simulation suites (included by the
# top Makefile).
#
#   make fault                    build and run every fault suite with gcc
#   make fault SAN=1 CC=clang     the same under ASan+UBSan (build/fault-asan)
#   make fault-bins               build only
#
# Suites (each prints one "<suite>: N passed, M failed" line):
#   test_sim          the simulation and the fault plan themselves ("sim")
#   test_sim_faults   every scenario over the sim, every call faulted in turn
#                     ("fault-sim", N counts fault points)
#   test_real_faults  a subset over real sockets on 127.0.0.1 with the poll,
#                     epoll and edge-triggered epoll backends ("fault-real");
#                     on Windows (tests/windows/windows.mk) with WSAPoll
#
# Each toolchain gets its own build directory, so objects never mix:
# gcc -> build/fault, clang+SAN -> build/fault-asan, others suffixed with $(CC).

FAULT_CCNAME := $(notdir $(CC))
ifeq ($(SAN),1)
FAULT_B ?= build/fault-asan$(if $(filter clang,$(FAULT_CCNAME)),,-$(FAULT_CCNAME))
else
FAULT_B ?= build/fault$(if $(filter gcc,$(FAULT_CCNAME)),,-$(FAULT_CCNAME))
endif

# tests/tsock.c: the real-socket peers (POSIX or Winsock) of world.c.
FAULT_SUPPORT := tests/fault/faultplan.c tests/fault/world.c tests/fault/scenarios.c tests/tsock.c
FAULT_HDRS    := $(wildcard tests/fault/*.h) tests/harness.h tests/tsock.h include/sloop_sim.h
FAULT_TESTS   := test_sim test_sim_faults test_real_faults
FAULT_BINS     = $(FAULT_TESTS:%=$(B)/tests/fault/%)
# Wall-clock cap per suite; the suites bound themselves, this is the backstop.
FAULT_TIMEOUT ?= 900

.PHONY: fault fault-bins
$(B)/tests/fault/%: tests/fault/%.c $(FAULT_SUPPORT) $(FAULT_HDRS) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -D_GNU_SOURCE -Itests -Itests/fault $< $(FAULT_SUPPORT) $(LIB) $(LDFLAGS) -o $@

fault-bins: $(FAULT_BINS)

fault:
	@$(MAKE) --no-print-directory B=$(FAULT_B) fault-bins
	@status=0; for t in $(FAULT_TESTS); do \
	  start=$$(date +%s); \
	  timeout $(FAULT_TIMEOUT) $(FAULT_B)/tests/fault/$$t || { echo "$$t: exit status $$?"; status=1; }; \
	  echo "  ($$t: $$(( $$(date +%s) - start ))s)"; \
	done; exit $$status
