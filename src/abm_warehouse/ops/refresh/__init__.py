"""Scheduled refresh of the warehouse: build a copy, check it, publish it atomically.

DuckDB has one writer and no lock waiting, so the file analysts and BI tools read (the live
file) is never the file dbt writes. A refresh, under an exclusive lock `<warehouse>.lock`:

  1. removes build files left by killed runs;
  2. makes the build file `<warehouse>.build` (one fixed name, so dbt's partial parsing
     survives from run to run): the newest generation — the previous live file, one refresh
     behind — taken out of `generations/` when no reader holds it (no copy: the plan then
     covers both refreshes' changes, the snapshots and `ops` tables are carried over from the
     live file), else a copy of the live file (incremental models keep their state);
  3. decides the as-of date (`--as-of`, as_of.py: by default the live warehouse's; scheduled
     runs pass `loaded`, the last complete day of the raw data) and passes it to dbt in
     ABM_AS_OF_DATE; refuses to move it backwards unless `--full-refresh`;
  4. runs `dbt build` on the copy, then `dbt source freshness` and the post-build checks. The
     build is planned from what changed since the live file was built (inputs.py): everything
     when the project, vars or versions changed (or nothing is recorded), else the descendants
     of the raw tables whose files changed and, when the as-of date moved, of the models that
     read it (data tests included, unit tests not: the code did not change), else nothing;
     `--all` always builds everything;
  5. records the run and its inputs in the copy's `ops` schema, checkpoints and closes it;
  6. only if everything passed: hard-links the live file into `generations/`, renames the
     copy over the live file (readers that hold the old file keep reading it) and prunes
     generations to the newest `--keep`.

A failed run leaves the live file untouched and deletes its copy. Every run appends one JSON
line to `refresh.log` beside the warehouse. `--rollback` puts a generation back, `--status`
prints what is live. See docs/operations.md.
"""

# The package, one module per section: paths (files of a warehouse), lock (the lock, child
# processes), config (options, post-build checks), plan (as-of date, what to build, dbt's
# artefacts), database (the build file's ops schema), publishing (generations, standby),
# runlog (refresh.log), flow (one run), live (--status, --rollback), cli (the command line).

from abm_warehouse.ops.refresh.cli import add_arguments, run
from abm_warehouse.ops.refresh.config import Options, post_build_commands
from abm_warehouse.ops.refresh.database import generation_of
from abm_warehouse.ops.refresh.flow import forget_parse_of_another_checkout, refresh
from abm_warehouse.ops.refresh.live import rollback, status
from abm_warehouse.ops.refresh.lock import LockBusy, exclusive_lock, read_lock_holder
from abm_warehouse.ops.refresh.paths import (
    DEFAULT_KEEP,
    DEFAULT_WAREHOUSE,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    Paths,
)
from abm_warehouse.ops.refresh.runlog import read_log

__all__ = [
    "DEFAULT_KEEP",
    "DEFAULT_WAREHOUSE",
    "EXIT_FAILED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "LockBusy",
    "Options",
    "Paths",
    "add_arguments",
    "exclusive_lock",
    "forget_parse_of_another_checkout",
    "generation_of",
    "post_build_commands",
    "read_lock_holder",
    "read_log",
    "refresh",
    "rollback",
    "run",
    "status",
]
