# tests/windows/windows.mk - the Windows build (MinGW-w64 cross compiler) and its
# tests under Wine. Included at the end of the top Makefile.
#
#   make windows         build/win:     libsloop.a, unit tests, test_wsapoll, and the
#                                       fault suites test_sim, test_sim_faults and
#                                       test_real_faults (.exe)
#                        build/win/itest: libsloop.a and the loopback integration
#                                       tests (tests/loop) with the itest budget
#                                       (2048 connections, as on Linux)
#                        build/win/app: libsloop.a and the examples with the app
#                                       budget (the Linux examples' budget)
#   make check-windows   the above plus `make examples`, then tests/windows/run.sh:
#                        every test under Wine (headless, one at a time, each bounded
#                        by `timeout`) and the echo runs Linux <-> Windows
#
# Variables: WIN_CROSS (tool prefix, default x86_64-w64-mingw32-), WINE (default
# wine). Warnings are errors, exactly the top Makefile's set. The build targets
# Windows Vista (_WIN32_WINNT=0x0600): WSAPoll's minimum, so that nothing newer
# can be used by accident.

WIN_CROSS  ?= x86_64-w64-mingw32-
WIN_B      := build/win
WIN_ITEST_B := build/win/itest
WIN_APP_B  := build/win/app
WIN_FLAGS  := -D_WIN32_WINNT=0x0600
WIN_LIBS   := -lws2_32
WIN_MAKE    = $(MAKE) --no-print-directory CC=$(WIN_CROSS)gcc AR=$(WIN_CROSS)ar SLOOP_WIN=1

.PHONY: windows check-windows windows-test-bins windows-itest-bins windows-app-bins
windows:
	+@$(WIN_MAKE) B=$(WIN_B) EXTRA_CFLAGS="$(WIN_FLAGS)" windows-test-bins
	+@$(WIN_MAKE) B=$(WIN_ITEST_B) EXTRA_CFLAGS="$(WIN_FLAGS) $(ITEST_FLAGS)" windows-itest-bins
	+@$(WIN_MAKE) B=$(WIN_APP_B) EXTRA_CFLAGS="$(WIN_FLAGS) $(APP_FLAGS)" windows-app-bins

# Wine runs are serial inside run.sh (never two Wine jobs at once); the builds
# before it may run in parallel.
check-windows: windows examples
	@WIN_B=$(WIN_B) WIN_ITEST_B=$(WIN_ITEST_B) WIN_APP_B=$(WIN_APP_B) APP_B=$(APP_B) \
	  WINE=$(or $(WINE),wine) \
	  tests/windows/run.sh

# ---- Rules used by the sub-makes above (SLOOP_WIN=1, B=build/win...) ------------
ifeq ($(SLOOP_WIN),1)
# The Windows sys table goes into the library even if the top Makefile's
# LIB_SRC does not name it yet (it compiles to nothing on other systems).
ifeq ($(filter src/sys/win32.c,$(LIB_SRC)),)
$(LIB): $(B)/obj/src/sys/win32.o
-include $(B)/obj/src/sys/win32.d
endif

WIN_UNIT_EXE := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%.exe)
# tests/fault: the suites over the simulation, and test_real_faults over real
# Winsock sockets (its peers use tests/tsock.c; the backend is WSAPoll).
WIN_FAULT_EXE := $(B)/tests/test_sim.exe $(B)/tests/test_sim_faults.exe \
                 $(B)/tests/test_real_faults.exe
WIN_LOOP_EXE  := $(LOOP_TEST_SRC:tests/loop/%.c=$(B)/tests/loop/%.exe)
windows-test-bins: $(LIB) $(WIN_UNIT_EXE) $(B)/tests/test_wsapoll.exe $(WIN_FAULT_EXE)
windows-itest-bins: $(LIB) $(WIN_LOOP_EXE)
windows-app-bins: $(LIB) $(EXAMPLES:%=$(B)/examples/%.exe)

# MinGW's gcc names its output *.exe whatever -o says, so the targets carry it.
$(B)/tests/%.exe: tests/unit/%.c $(LIB) tests/harness.h tests/open_fds.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIB) $(LDFLAGS) $(WIN_LIBS) -o $@

$(B)/tests/test_wsapoll.exe: tests/windows/test_wsapoll.c $(LIB) tests/harness.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIB) $(LDFLAGS) $(WIN_LIBS) -o $@

$(WIN_FAULT_EXE): $(B)/tests/%.exe: tests/fault/%.c $(FAULT_SUPPORT) $(FAULT_HDRS) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -Itests -Itests/fault $< $(FAULT_SUPPORT) $(LIB) $(LDFLAGS) $(WIN_LIBS) -o $@

$(WIN_LOOP_EXE): $(B)/tests/loop/%.exe: tests/loop/%.c $(LOOP_SUPPORT) $(LIB) \
                 $(wildcard tests/loop/*.h) tests/harness.h tests/tsock.h tests/open_fds.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LOOP_SUPPORT) $(LIB) $(LDFLAGS) $(WIN_LIBS) -o $@

$(B)/examples/%.exe: examples/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L $< $(LIB) $(LDFLAGS) $(WIN_LIBS) -o $@

# http_hello also builds its request parser and /stats JSON (top Makefile, HTTP_SRC).
$(B)/examples/http_hello.exe: examples/http_hello.c $(HTTP_SRC) $(wildcard examples/http/*.h) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -Iexamples $< $(HTTP_SRC) $(LIB) $(LDFLAGS) $(WIN_LIBS) -o $@
endif
