# proofs/eva/eva.mk - Eva with generic inputs (included by the top Makefile with
# `-include proofs/eva/eva.mk`; `make prove` also runs it, after WP, as the
# pseudo-module `eva`, see proofs/prove.mk).
#
#   make eva                      proofs/eva/run-eva: one frama-c process per run;
#                                 prints "eva <run>: N alarms (M argued in
#                                 docs/verification.md), K dead statuses, F/T
#                                 functions"; fails on an alarm not listed in
#                                 proofs/eva/argued-alarms.txt, an Invalid status
#                                 or a vacuous run
#   make eva EVA_RUNS=timer       only the timer run (default: "timer loop", the
#                                 timer module, then the whole loop: ~5 min)
#   make eva EVA_PRECISION=N EVA_STEPS=N   settings of the loop run
#   make eva EVA_ROOT=DIR         analyse the sources of another checkout (e.g.
#                                 with src/core fixes not merged yet)
#
# Reports: build/proofs/eva-<run>.{log,csv}. One frama-c at a time: do not run
# `make -j eva prove` together (2 shared cores). Rules: docs/verification.md, "Eva".

.PHONY: eva

eva:
	@EVA_RUNS="$(EVA_RUNS)" EVA_PRECISION=$(EVA_PRECISION) EVA_STEPS=$(EVA_STEPS) EVA_ROOT=$(EVA_ROOT) \
	  nice -n 10 proofs/eva/run-eva
