"""Operating the warehouse: the scheduled refresh and what it decides before and after a build.

- ``refresh`` — build a copy, check it, publish it atomically or roll back
  (``abm-warehouse refresh``);
- ``inputs`` — fingerprints of the raw inputs, so an unchanged input skips the build;
- ``as_of`` — the as-of date a refresh builds for;
- ``publish_guard`` — compare a build with the live warehouse, fail on implausible changes
  (``abm-warehouse guard``).

The cron and systemd units that run the refresh live in the project's ``ops/`` folder.
"""
