# proofs/prove.mk - Frama-C WP proofs of the pure core (included by the top Makefile).
#
#   make prove                 every module proofs/<m>/ that has a `files` list,
#                              PROVE_JOBS at a time, then Eva over the whole loop
#                              (the pseudo-module `eva`: proofs/eva/run-eva, run
#                              alone after WP); one line per module, then
#                              "prove: N passed, M failed" (modules)
#   make prove PROVE_MODULES="tick ring"   only these modules (no Eva unless the
#                              list names `eva`: ci/check names its modules)
#   make prove-mutants         apply each proofs/mutants/<m>-<name>.patch to a copy
#                              of src/ and include/ and check that the proof of <m>
#                              FAILS; "prove-mutants: N passed, M failed" (patches)
#
# Reports: build/proofs/<m>.{log,json,csv}; mutants under build/proofs/mutants/.
# PROVE_JOBS (default 2, one per core of the reference machine) modules are proved
# at once; each frama-c runs one prover process at a time (-wp-par 1), so the
# per-goal wall-clock timeout of proofs/run-wp keeps a full core behind it. Each
# run works in its own temporary directory, so reports never mix. Do not run
# `make -j prove prove-mutants` together.
# Conventions and what each module proves: proofs/README.md.

PROVE_MODULES ?= $(patsubst proofs/%/files,%,$(wildcard proofs/*/files)) eva
PROVE_JOBS ?= 2
# WP modules run in parallel; `eva` (one frama-c process, proofs/eva/run-eva)
# runs after them, alone, so it never competes with WP for the two cores.
PROVE_WP_MODULES = $(filter-out eva,$(PROVE_MODULES))

.PHONY: prove prove-mutants

prove:
	@mkdir -p build/proofs; rm -f build/proofs/status.*; \
	printf '%s\n' $(PROVE_WP_MODULES) | xargs -r -P $(PROVE_JOBS) -I{} sh -c \
	  'if proofs/run-wp {}; then echo ok > build/proofs/status.{}; else echo fail > build/proofs/status.{}; fi'; \
	if [ -n "$(filter eva,$(PROVE_MODULES))" ]; then \
	  if nice -n 10 proofs/eva/run-eva; then echo ok > build/proofs/status.eva; else echo fail > build/proofs/status.eva; fi; \
	fi; \
	pass=0; fail=0; \
	for m in $(PROVE_MODULES); do \
	  if [ "$$(cat build/proofs/status.$$m 2>/dev/null)" = ok ]; then pass=$$((pass + 1)); else fail=$$((fail + 1)); fi; \
	done; \
	echo "prove: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

prove-mutants:
	@proofs/run-mutants
