# proofs/prove.mk - Frama-C WP proofs of the pure core (included by the top Makefile).
#
#   make prove                 every module proofs/<m>/ that has a `files` list, one
#                              after the other; one line per module, then
#                              "prove: N passed, M failed" (modules)
#   make prove PROVE_MODULES="tick ring"   only these modules
#   make prove-mutants         apply each proofs/mutants/<m>-<name>.patch to a copy
#                              of src/ and include/ and check that the proof of <m>
#                              FAILS; "prove-mutants: N passed, M failed" (patches)
#
# Reports: build/proofs/<m>.{log,json,csv}; mutants under build/proofs/mutants/.
# Never more than one frama-c at a time: each target is one shell loop, so -j does
# not parallelise it (but do not run `make -j prove prove-mutants` together).
# Conventions and what each module proves: proofs/README.md.

PROVE_MODULES ?= $(patsubst proofs/%/files,%,$(wildcard proofs/*/files))

.PHONY: prove prove-mutants

prove:
	@pass=0; fail=0; \
	for m in $(PROVE_MODULES); do \
	  if proofs/run-wp $$m; then pass=$$((pass + 1)); else fail=$$((fail + 1)); fi; \
	done; \
	echo "prove: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

prove-mutants:
	@proofs/run-mutants
