"""Staging on the user's own extracts (ABM_RAW_EXTRACTS_PATH), with hand-made raw rows.

Runs dbt for real on a folder of CSV files, so it checks the whole path a user takes: the one
setting, the column checks, and each staging rule on rows whose outcome is computed by hand.
"""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.raw.contract import LOADED_AT, table

MODELS = [
    "base_salesforce__accounts",
    "stg_salesforce__accounts",
    "quarantine_salesforce__accounts",
    "base_salesforce__contacts",
    "stg_salesforce__contacts",
]


def _write(folder: Path, name: str, rows: list[dict], drop: tuple[str, ...] = ()) -> None:
    columns = [c for c in (*table(name).column_names, LOADED_AT) if c not in drop]
    with open(folder / f"{name}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def _account(id_, **kw) -> dict:
    row = {
        "id": id_,
        "name": f"Account {id_}",
        "website": "https://www.acme.com",
        "number_of_employees": "120",
        "annual_revenue": "1000000",
        "created_date": "2025-01-01T00:00:00Z",
        "last_modified_date": "2025-02-01T00:00:00Z",
        "is_deleted": "false",
        LOADED_AT: "2026-06-01T06:00:00Z",
    }
    row.update(kw)
    return row


ACCOUNTS = [
    _account("A1", name="old name", **{LOADED_AT: "2026-05-01T06:00:00Z"}),  # superseded
    _account("A1", name="new name"),  # latest extract wins
    _account("A2", name="older edit", last_modified_date="2025-01-15T00:00:00Z"),  # superseded
    _account("A2", name="newer edit"),  # same extract, later last_modified_date wins
    _account("A3", is_deleted="true"),  # soft delete
    _account("", name="no id"),  # missing id
    _account("A4", annual_revenue="-5"),  # negative amount
    _account("A5", annual_revenue="12O.5"),  # non-numeric amount
    _account("A6", created_date="not-a-date"),  # unparseable required timestamp
    _account("A7", created_date="2025-03-04T12:15:00+02:00", abm_tier_c="Tier 9"),
]

CONTACTS = [
    {"id": "C1", "account_id": "A1", "email": "  Jane.Doe@Example.COM ",
     "created_date": "2025-01-01T00:00:00Z"},
    {"id": "C2", "account_id": "A1", "email": "jane.doe_at_example.com",
     "created_date": "2025-01-01T00:00:00Z"},
]  # fmt: skip


def _dbt(project_root: Path, dbt_bin: str, extracts: Path, db: Path, *args: str):
    env = dict(os.environ, ABM_RAW_EXTRACTS_PATH=str(extracts), ABM_WAREHOUSE_PATH=str(db))
    return subprocess.run(
        [dbt_bin, *args, "--profiles-dir", ".", "--target-path", str(db.parent / "target")],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def extracts_dir(tmp_path_factory) -> Path:
    extracts = tmp_path_factory.mktemp("extracts")
    _write(extracts, "account", ACCOUNTS)
    # `department` and `_loaded_at` are optional: the files may lack them
    _write(extracts, "contact", CONTACTS, drop=("department", LOADED_AT))
    return extracts


@pytest.fixture(scope="module")
def built_db(project_root, dbt_bin, extracts_dir, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("db") / "wh.duckdb"
    result = _dbt(project_root, dbt_bin, extracts_dir, db, "run", "--select", *MODELS)
    assert result.returncode == 0, result.stdout[-3000:]
    return db


@pytest.fixture(scope="module")
def built(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


def test_staging_outcomes_passes_and_names_every_broken_rule(
    project_root, dbt_bin, extracts_dir, built_db, tmp_path
):
    """The one staging test per raw table (tests/generic/test_staging_outcomes.sql) passes on
    a correct build and reports each rule a tampered build breaks, with expected and found."""
    select = ["--select", "base_salesforce__accounts,test_name:staging_outcomes",
              "--store-failures"]  # fmt: skip
    result = _dbt(project_root, dbt_bin, extracts_dir, built_db, "test", *select)
    # one test passed (the on-run-start hook also counts as a PASS)
    out = result.stdout
    assert result.returncode == 0 and "PASS staging_outcomes_" in out, out[-3000:]
    assert "ERROR=0" in out and "WARN=0" in out
    tampered = tmp_path / "wh.duckdb"
    tampered.write_bytes(built_db.read_bytes())
    con = duckdb.connect(str(tampered))
    base = "staging.base_salesforce__accounts"
    con.execute(f"insert into {base} select * from {base} where id = 'A1' and name = 'new name'")
    con.execute(f"update {base} set _quarantine_reason = 'bogus' where id = 'A3'")
    con.execute(f"update {base} set _quarantine_reason = 'soft_deleted' where id = 'A7'")
    con.close()
    result = _dbt(project_root, dbt_bin, extracts_dir, tampered, "test", *select)
    assert result.returncode != 0
    con = duckdb.connect(str(tampered), read_only=True)
    try:
        [failures] = [
            t
            for (t,) in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_name like 'staging_outcomes%'"
            ).fetchall()
        ]
        found = dict(
            (check, (expected, got))
            for check, expected, got in con.execute(f"select * from {failures}").fetchall()
        )
    finally:
        con.close()
    assert found == {
        "raw rows = base rows": (10, 11),
        "_raw_row_key is unique": (11, 10),
        "every quarantined row has a known reason": (0, 1),
        "only quarantined rows have a reason": (0, 1),
    }


def test_every_raw_row_has_exactly_the_hand_computed_outcome(built):
    rows = built.execute(
        "select id, name, _row_outcome, _quarantine_reason "
        "from staging.base_salesforce__accounts order by id nulls first, name"
    ).fetchall()
    assert rows == [
        (None, "no id", "quarantined", "missing_id"),
        ("A1", "new name", "staged", None),
        ("A1", "old name", "superseded", None),
        ("A2", "newer edit", "staged", None),
        ("A2", "older edit", "superseded", None),
        ("A3", "Account A3", "quarantined", "soft_deleted"),
        ("A4", "Account A4", "quarantined", "invalid_amount"),
        ("A5", "Account A5", "quarantined", "invalid_amount"),
        ("A6", "Account A6", "quarantined", "invalid_timestamp"),
        ("A7", "Account A7", "staged", None),
    ]
    (n_quarantine,) = built.execute(
        "select count(*) from staging.quarantine_salesforce__accounts"
    ).fetchone()
    assert n_quarantine == 5


def test_staging_converts_offsets_to_utc_and_flags_unknown_enums(built):
    rows = built.execute(
        "select account_id, account_name, cast(created_at as varchar), has_unknown_enum "
        "from staging.stg_salesforce__accounts order by account_id"
    ).fetchall()
    assert rows == [
        ("A1", "new name", "2025-01-01 00:00:00", False),
        ("A2", "newer edit", "2025-01-01 00:00:00", False),
        ("A7", "Account A7", "2025-03-04 10:15:00", True),
    ]


def test_emails_are_normalised_or_nulled_and_missing_optional_columns_are_null(built):
    rows = built.execute(
        "select contact_id, email, has_invalid_email, department, loaded_at "
        "from staging.stg_salesforce__contacts order by contact_id"
    ).fetchall()
    assert rows == [
        ("C1", "jane.doe@example.com", False, None, None),
        ("C2", None, True, None, None),
    ]


def test_a_missing_required_column_fails_naming_the_file_and_the_column(
    project_root, dbt_bin, tmp_path
):
    _write(tmp_path, "contact", CONTACTS, drop=("created_date",))
    result = _dbt(
        project_root, dbt_bin, tmp_path, tmp_path / "wh.duckdb", "run", "--select",
        "base_salesforce__contacts",
    )  # fmt: skip
    assert result.returncode != 0
    assert f"raw extract {tmp_path}/contact.csv is missing the required column 'created_date'" in (
        result.stdout
    )


def _renamed_accounts(folder: Path) -> None:
    """account.csv with `annual_revenue` landed as a custom field and one unknown column."""
    rows = [
        {**{k: v for k, v in r.items() if k != "annual_revenue"},
         "AnnualRevenue__c": r["annual_revenue"], "Favourite_Colour__c": "teal"}
        for r in ACCOUNTS
    ]  # fmt: skip
    columns = [c if c != "annual_revenue" else "AnnualRevenue__c" for c in
               (*table("account").column_names, LOADED_AT)] + ["Favourite_Colour__c"]  # fmt: skip
    with open(folder / "account.csv", "w", newline="") as f:
        w = csv.DictWriter(f, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def test_a_renamed_column_is_named_in_a_warning_with_the_contract_column_it_may_be(
    project_root, dbt_bin, tmp_path
):
    _renamed_accounts(tmp_path)
    db = tmp_path / "wh.duckdb"
    # KPIs need annual_revenue (ICP fit): its absence stops the build unless declared
    # (pytests/test_needed_columns.py); declared, the build goes on and warns about the rename
    result = _dbt(
        project_root, dbt_bin, tmp_path, db, "run", "--select", "base_salesforce__accounts",
        "--vars", "{raw_absent_columns: {account: [annual_revenue]}}",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    out = " ".join(result.stdout.split())  # the warning may wrap
    assert (
        f"raw extract {tmp_path}/account.csv: column(s) not in the raw contract, ignored by "
        "staging: 'AnnualRevenue__c' (a rename of 'annual_revenue', absent from the file?), "
        "'Favourite_Colour__c'."
    ) in out
    assert "--vars '{raw_column_map: {account: {annual_revenue: AnnualRevenue__c}}}'" in out
    # dbt's warnings about its OSI export (a file this project does not publish) are silenced
    # (dbt_project.yml, flags.warn_error_options), so a warning like the one above stands out
    assert "OSI document" not in out


def test_the_column_map_stages_a_renamed_column_as_the_contract_column(
    project_root, dbt_bin, built, tmp_path
):
    _renamed_accounts(tmp_path)
    db = tmp_path / "wh.duckdb"
    mapping = (
        "{raw_column_map: {account: {annual_revenue: AnnualRevenue__c}}, "
        "raw_ignored_columns: {contact: [Favourite_Colour__c]}}"  # another table's: still listed
    )
    result = _dbt(
        project_root, dbt_bin, tmp_path, db, "run", "--select", "base_salesforce__accounts",
        "stg_salesforce__accounts", "quarantine_salesforce__accounts", "--vars", mapping,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    out = " ".join(result.stdout.split())
    assert "'Favourite_Colour__c'" in out and "AnnualRevenue__c" not in out
    query = "select {cols} from staging.{model} order by all"
    con = duckdb.connect(str(db), read_only=True)
    try:
        for model, cols in (
            ("stg_salesforce__accounts", "account_id, annual_revenue"),
            ("quarantine_salesforce__accounts", "_quarantine_reason, annual_revenue"),
        ):
            mapped = con.execute(query.format(cols=cols, model=model)).fetchall()
            assert mapped == built.execute(query.format(cols=cols, model=model)).fetchall()
            assert any(row[1] is not None for row in mapped)
    finally:
        con.close()


def test_a_column_map_to_a_column_the_file_lacks_fails_naming_the_file(
    project_root, dbt_bin, tmp_path
):
    _renamed_accounts(tmp_path)
    result = _dbt(
        project_root, dbt_bin, tmp_path, tmp_path / "wh.duckdb", "run", "--select",
        "base_salesforce__accounts", "--vars",
        "{raw_column_map: {account: {annual_revenue: Annual_Revenue}}}",
    )  # fmt: skip
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert (
        "var raw_column_map maps account.annual_revenue to the column 'Annual_Revenue', but raw "
        f"extract {tmp_path}/account.csv has no such column"
    ) in out


def test_columns_declared_ignored_are_not_listed(project_root, dbt_bin, tmp_path):
    _renamed_accounts(tmp_path)
    result = _dbt(
        project_root, dbt_bin, tmp_path, tmp_path / "wh.duckdb", "run", "--select",
        "base_salesforce__accounts", "--vars",
        "{raw_column_map: {account: {annual_revenue: AnnualRevenue__c}}, "
        "raw_ignored_columns: {account: [favourite_colour__c]}}",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert "not in the raw contract" not in result.stdout
