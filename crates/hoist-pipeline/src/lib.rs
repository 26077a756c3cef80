/*!
The pipeline targets of hoist, each split into a plan (decisions with reasons, no side
effects, what `--dry-run` prints and `--json` emits) and an executor that carries out exactly
that plan.
*/
