"""A refresh's configuration: the project, dbt, the post-build checks, the options."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from abm_warehouse.ops import publish_guard
from abm_warehouse.ops.refresh.paths import DEFAULT_KEEP


def default_project_dir() -> Path:
    cwd = Path.cwd()
    if (cwd / "dbt_project.yml").is_file():
        return cwd
    return Path(__file__).resolve().parents[4]


def dbt_executable() -> str:
    """$ABM_DBT_EXECUTABLE, else the dbt beside this Python, else dbt on the PATH."""
    if os.environ.get("ABM_DBT_EXECUTABLE"):
        return os.environ["ABM_DBT_EXECUTABLE"]
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


@dataclass(frozen=True)
class PostBuildCheck:
    """A check run on the build file after `dbt build`; a non-zero exit stops the publish."""

    name: str
    # (build file, models this run built or None for all, whether the build ran the dbt data
    # tests) -> command
    command: Callable[[Path, Sequence[str] | None, bool], list[str]]
    enabled: Callable[[], bool] = lambda: True


def _cli_check(
    sub_command: str,
    only_flag: str | None = None,
    flags: Sequence[str] = (),
    flags_when_tested: Sequence[str] = (),
) -> PostBuildCheck:
    def command(
        warehouse: Path, only: Sequence[str] | None = None, dbt_tested: bool = False
    ) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "abm_warehouse.cli",
            sub_command,
            "--warehouse",
            str(warehouse),
            *flags,
        ]
        if dbt_tested:
            cmd += flags_when_tested
        if only is not None and only_flag:
            cmd += [only_flag, *only]
        return cmd

    def enabled() -> bool:
        from abm_warehouse import cli

        return sub_command in cli.COMMANDS

    return PostBuildCheck(sub_command, command, enabled)


# Extend here: each enabled check runs, in order, on the build file before it is published.
POST_BUILD_CHECKS: tuple[PostBuildCheck, ...] = (
    # data-quality suites of the marts the build made; Data Docs of the failing ones only;
    # after the refresh's own `dbt build` (data tests included) without the expectations that
    # repeat those tests
    _cli_check("gx", "--marts", ("--docs-on-failure",), ("--without-dbt-tested",)),
)


def post_build_commands(
    build: Path,
    extra: Sequence[str] = (),
    only: Sequence[str] | None = None,
    dbt_tested: bool = False,
) -> list[tuple[str, list[str]]]:
    """(name, command) of every enabled post-build check, then each `--check-command`.

    `only`: the models this run built (a planned partial build); None: everything was built.
    `dbt_tested`: the build ran the models' dbt data tests (the refresh's own `dbt build`).
    """
    commands = [
        (c.name, c.command(build, only, dbt_tested)) for c in POST_BUILD_CHECKS if c.enabled()
    ]
    for i, text in enumerate(extra, start=1):
        commands.append((f"check-{i}", shlex.split(text.replace("{warehouse}", str(build)))))
    return commands


@dataclass
class Options:
    warehouse: Path
    keep: int = DEFAULT_KEEP
    select: list[str] = field(default_factory=list)
    full_refresh: bool = False
    build_all: bool = False  # --all: a full build whatever changed
    skip_freshness: bool = False
    # --skip-tests: no dbt data or unit tests and no post-build checks (replays, simulations)
    skip_tests: bool = False
    fail_on_stale: bool = False
    # --copy-live: always copy the live file, never build on the previous generation
    copy_live: bool = False
    build_command: str | None = None
    freshness_command: str | None = None
    check_commands: list[str] = field(default_factory=list)
    vars: str | None = None
    # --as-of: a policy or a date (as_of.py); None: the as_of_date of --vars if it sets one,
    # else the live warehouse's
    as_of: str | None = None
    project_dir: Path = field(default_factory=default_project_dir)
    profiles_dir: Path | None = None
    # the publish guard (publish_guard.py): findings to accept, thresholds
    accept: list[str] = field(default_factory=list)
    max_row_drop: float = publish_guard.MAX_ROW_DROP
    max_null_jump: float = publish_guard.MAX_NULL_JUMP

    def dbt_common(self, target_path: Path, log_path: Path) -> list[str]:
        args = [
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.profiles_dir or self.project_dir),
            "--target-path",
            str(target_path),
            "--log-path",
            str(log_path),
        ]
        if self.vars:
            args += ["--vars", self.vars]
        return args

    def build_cmd(
        self,
        target_path: Path,
        log_path: Path,
        planned: Sequence[str] = (),
        full_refresh: bool = False,
        excluded_tests: Sequence[str] = (),
    ) -> list[str]:
        if self.build_command:
            return shlex.split(self.build_command)
        cmd = [dbt_executable(), "build", *self.dbt_common(target_path, log_path)]
        select = list(self.select or planned)
        if select:
            cmd += ["--select", *select]
        if self.skip_tests:
            cmd += ["--exclude-resource-type", "test", "unit_test"]
        elif planned and not self.select:
            # a planned build: the code is what the last full build tested; the data tests
            # an enforced constraint makes on every written row are left out (plan.py)
            cmd += ["--exclude-resource-type", "unit_test"]
            if excluded_tests:
                cmd += ["--exclude", *excluded_tests]
        # own extracts or a loader's database: do not seed the sample
        if os.environ.get("ABM_RAW_EXTRACTS_PATH") or os.environ.get("ABM_RAW_DATABASE_PATH"):
            cmd += ["--exclude", "tag:raw_sample"]
        if self.full_refresh or full_refresh:
            cmd.append("--full-refresh")
        return cmd

    def freshness_cmd(self, target_path: Path, log_path: Path) -> list[str]:
        if self.freshness_command:
            return shlex.split(self.freshness_command)
        return [dbt_executable(), "source", "freshness", *self.dbt_common(target_path, log_path)]

    def vars_as_of_date(self) -> str | None:
        """The `as_of_date` that --vars sets, if it does."""
        import yaml

        if self.vars:
            with contextlib.suppress(Exception):
                given = yaml.safe_load(self.vars) or {}
                if isinstance(given, dict) and "as_of_date" in given:
                    return str(given["as_of_date"])
        return None

    def project_as_of_date(self) -> str | None:
        """The `as_of_date` var of dbt_project.yml."""
        import yaml

        with contextlib.suppress(Exception):
            project = yaml.safe_load((self.project_dir / "dbt_project.yml").read_text())
            value = (project.get("vars") or {}).get("as_of_date")
            return None if value is None else str(value)
        return None

    def as_of_policy(self) -> str:
        """--as-of, else the date --vars sets, else `live`."""
        return self.as_of or self.vars_as_of_date() or "live"
