# proofs/prove.mk - Frama-C WP proofs of the pure core (included by the top Makefile).
#
#   make prove                 every module proofs/<m>/ that has a `files` list,
#                              and Eva (the pseudo-module `eva`: proofs/eva/run-eva),
#                              PROVE_JOBS at a time in the order listed; one line
#                              per module, then "prove: N passed, M failed" (modules)
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
# Every module, `eva` included, is one job of the pool (xargs -P), taken in the
# order of PROVE_MODULES as a core frees up: list the longest first (ci/check
# does) so that the short ones fill the gaps. Eva is one frama-c process, like
# each WP module, so the pool never runs more than PROVE_JOBS of them.

.PHONY: prove prove-mutants

prove:
	@mkdir -p build/proofs; rm -f build/proofs/status.*; \
	printf '%s\n' $(PROVE_MODULES) | xargs -r -P $(PROVE_JOBS) -I{} sh -c \
	  'if [ {} = eva ]; then run="nice -n 10 proofs/eva/run-eva"; else run="proofs/run-wp {}"; fi; \
	   if $$run; then echo ok > build/proofs/status.{}; else echo fail > build/proofs/status.{}; fi'; \
	pass=0; fail=0; \
	for m in $(PROVE_MODULES); do \
	  if [ "$$(cat build/proofs/status.$$m 2>/dev/null)" = ok ]; then pass=$$((pass + 1)); else fail=$$((fail + 1)); fi; \
	done; \
	echo "prove: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

prove-mutants:
	@proofs/run-mutants
