"""Serving recipes of docs/serving.md, with real processes: readers open the warehouse read-only.

A reader while a refresh publishes is covered by test_refresh.py
(test_readers_see_only_complete_generations_and_never_error): a refresh never writes
the live file.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from abm_warehouse import cli

ROOT = Path(__file__).resolve().parents[1]

# A process that opens the file (read-only or read-write), says "ready", holds the connection
# until told to go on, queries once more and exits.
HOLDER = textwrap.dedent(
    """
    import sys, duckdb
    path, mode = sys.argv[1], sys.argv[2]
    con = duckdb.connect(path, read_only=(mode == "ro"))
    n = con.execute("select count(*) from marts.kpi_demo").fetchall()[0][0]
    print(f"ready {n}", flush=True)
    sys.stdin.readline()
    n = con.execute("select count(*) from marts.kpi_demo").fetchall()[0][0]
    print(f"done {n}", flush=True)
    con.close()
    """
)


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.kpi_demo as select range as id from range(1000)")
    con.execute("checkpoint")
    con.close()
    return path


class Holder:
    def __init__(self, path: Path, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("ready"):
            err = self.proc.stderr.read()
            self.proc.wait(30)
            raise RuntimeError(f"holder ({mode}) failed: {line!r} {err}")
        self.first = line

    def finish(self) -> str:
        out, err = self.proc.communicate("go\n", timeout=60)
        assert self.proc.returncode == 0, err
        return out.strip()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


def test_duckdb_is_pinned_once_project_wide() -> None:
    """Build, CLI/Python readers and Superset use the same duckdb: an older one cannot open
    a file written by a newer one."""

    def pin(path: Path) -> str:
        found = re.findall(r"^duckdb==(\S+)$", path.read_text(), flags=re.MULTILINE)
        assert len(found) == 1, f"{path}: one duckdb==X pin expected, got {found}"
        return found[0]

    build = pin(ROOT / "requirements.txt")
    assert pin(ROOT / "bi" / "requirements-bi.txt") == build
    assert duckdb.__version__ == build


def test_two_read_only_readers_at_once(warehouse: Path) -> None:
    first = Holder(warehouse, "ro")
    try:
        second = Holder(warehouse, "ro")  # opens while the first holds the file
        try:
            assert first.first == second.first == "ready 1000"
            # And this process too, with the Python recipe.
            con = duckdb.connect(str(warehouse), read_only=True)
            assert con.execute("select count(*) from marts.kpi_demo").fetchall() == [(1000,)]
            con.close()
            assert second.finish() == "done 1000"
        finally:
            second.kill()
        assert first.finish() == "done 1000"
    finally:
        first.kill()
    assert not Path(f"{warehouse}.wal").exists()


def test_read_write_open_fails_clearly_while_a_reader_holds_the_file(warehouse: Path) -> None:
    reader = Holder(warehouse, "ro")
    try:
        with pytest.raises(duckdb.IOException, match=r"(?i)lock"):
            duckdb.connect(str(warehouse))
        # The reader is unaffected.
        assert reader.finish() == "done 1000"
    finally:
        reader.kill()
    # Once the reader is gone a writer can open it (what the refresh never does to the live
    # file: it writes a copy and renames it).
    duckdb.connect(str(warehouse)).close()


def test_read_only_open_fails_while_a_writer_holds_the_file(warehouse: Path) -> None:
    """Why nothing may open the live file read-write: one idle writer locks every reader out."""
    writer = Holder(warehouse, "rw")
    try:
        with pytest.raises(duckdb.IOException, match=r"(?i)lock"):
            duckdb.connect(str(warehouse), read_only=True)
    finally:
        writer.finish()


def test_read_only_connection_cannot_write(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table marts.oops as select 1 as a")
    finally:
        con.close()


def test_sql_cli_reads_read_only(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reader = Holder(warehouse, "ro")  # another reader holds the file meanwhile
    try:
        assert (
            cli.main(
                [
                    "sql",
                    "--warehouse",
                    str(warehouse),
                    "--csv",
                    "select count(*) as n from marts.kpi_demo; select 2 as m",
                ]
            )
            == 0
        )
        assert capsys.readouterr().out == "n\n1000\nm\n2\n"
        assert cli.main(["sql", "--warehouse", str(warehouse), "drop table marts.kpi_demo"]) == 1
        assert "read-only" in capsys.readouterr().err
    finally:
        reader.finish()
    assert duckdb.connect(str(warehouse), read_only=True).execute(
        "select count(*) from marts.kpi_demo"
    ).fetchall() == [(1000,)]


def test_sql_cli_reads_statements_from_stdin(warehouse: Path) -> None:
    exe = Path(sys.executable).with_name("abm-warehouse")
    done = subprocess.run(
        [str(exe), "sql", "--warehouse", str(warehouse)],
        input="select max(id) as top from marts.kpi_demo;\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "999" in done.stdout and "(1 row)" in done.stdout


def test_superset_uri_is_read_only(tmp_path: Path) -> None:
    """The URI Superset registers (bi/superset_setup.py) opens the file read-only."""
    sys.path.insert(0, str(ROOT / "bi"))
    try:
        import superset_setup
    finally:
        sys.path.pop(0)
    wh = tmp_path / "w.duckdb"
    assert superset_setup.warehouse_uri(wh) == f"duckdb:///{wh.resolve()}?access_mode=read_only"
    db_yaml = (ROOT / "bi" / "dashboards" / "databases" / "abm_warehouse.yaml").read_text()
    assert superset_setup.PLACEHOLDER in db_yaml
