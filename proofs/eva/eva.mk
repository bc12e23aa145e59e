# proofs/eva/eva.mk - Eva over the whole loop on the simulation (included by the
# top Makefile with `-include proofs/eva/eva.mk`).
#
#   make eva                      proofs/eva/run-eva: one frama-c process; prints
#                                 "eva: N alarms (M argued in docs/verification.md),
#                                 K dead statuses"; fails on an alarm not listed in
#                                 proofs/eva/argued-alarms.txt or a vacuous run
#   make eva EVA_PRECISION=N      another -eva-precision (default in run-eva)
#
# Reports: build/proofs/eva.{log,csv}. One frama-c at a time: do not run
# `make -j eva prove` together (2 shared cores). Rules: docs/verification.md, "Eva".

.PHONY: eva

eva:
	@EVA_PRECISION=$(EVA_PRECISION) nice -n 10 proofs/eva/run-eva
