"""A corpus of bad extracts: what each malformed file a user may deliver gets.

Every case is a small CSV file in a raw contract table's shape, read through the one setting a
user takes (ABM_RAW_EXTRACTS_PATH) by a real dbt run. Each ends in exactly one of:

* an error that names the file (and the line, or the column, where one is at fault);
* its rows in the table's quarantine model, each with a machine-readable reason;
* its rows staged with exactly the values the file holds (a harmless format variant), and a
  warning where the file is not what the contract describes.

No case changes a staged value silently. The cases that build share one folder and one dbt
invocation (one table each); the three that stop the build share another.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from abm_warehouse.raw.contract import LOADED_AT, table
from abm_warehouse.raw.contract_render import model_names

LOADED = "2026-06-01T06:00:00Z"
CREATED = "2025-03-01T09:00:00Z"
ONE_MB = 1024 * 1024

# table -> the case it carries, in the folder that builds
BUILDING = {
    "campaign": "renamed column",
    "user": "extra column",
    "contact": "semicolon delimiter",
    "lead": "UTF-8 BOM",
    "task": "CRLF line endings",
    "event": "quoted newlines",
    "opportunity": "decimal commas",
    "opportunity_history": "day-first dates",
    "campaign_member": "Excel serial dates",
    "nps_response": "header only",
    "form": "duplicated header row",
    "content_asset": "a 1 MB text field",
    "subscription": "duplicated primary key with different values",
}
# table -> the case it carries, in the folder whose build fails
FAILING = {
    "account": "Latin-1 bytes",
    "contact": "empty file",
    "opportunity": "dropped column",
}


def _text(
    name: str,
    rows: list[dict],
    *,
    columns: list[str] | None = None,
    delimiter: str = ",",
    newline: str = "\n",
) -> str:
    """The CSV text of a table: the contract's columns (and _loaded_at), or `columns`."""
    columns = columns or [*table(name).column_names, LOADED_AT]
    out = io.StringIO()
    w = csv.DictWriter(
        out, columns, delimiter=delimiter, lineterminator=newline, extrasaction="ignore"
    )
    w.writeheader()
    w.writerows([{LOADED_AT: LOADED, **r} for r in rows])
    return out.getvalue()


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / f"{name}.csv"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _dbt(project_root: Path, dbt_bin: str, extracts: Path, work: Path, *args: str):
    env = dict(os.environ, ABM_RAW_EXTRACTS_PATH=str(extracts),
               ABM_WAREHOUSE_PATH=str(work / "wh.duckdb"))  # fmt: skip
    result = subprocess.run(
        [dbt_bin, *args, "--profiles-dir", ".", "--target-path", str(work / "target"),
         "--log-path", str(work / "logs")],
        cwd=project_root, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    result.out = " ".join(result.stdout.split())  # messages may wrap
    return result


def _models(names) -> list[str]:
    return [m for n in names for k, m in model_names(table(n)).items() if k != "versions"]


# ------------------------------------------------------------------ the folder that builds
def _building_folder(folder: Path) -> None:
    # renamed column: budgeted_cost (a column no KPI reads) arrives as a custom field
    columns = [c if c != "budgeted_cost" else "BudgetedCost__c"
               for c in table("campaign").column_names]  # fmt: skip
    _write(folder, "campaign", _text("campaign", [
        {"id": "CP1", "name": "Spring webinar", "BudgetedCost__c": "1000", "actual_cost": "900",
         "created_date": CREATED},
    ], columns=columns))  # fmt: skip
    # extra column
    _write(folder, "user", _text("user", [
        {"id": "U1", "name": "Ada Lovelace", "department": "Sales", "is_active": "true",
         "Favourite_Colour__c": "teal"},
        {"id": "U2", "name": "Alan Turing", "department": "Marketing", "is_active": "false",
         "Favourite_Colour__c": "red"},
    ], columns=[*table("user").column_names, LOADED_AT, "Favourite_Colour__c"]))  # fmt: skip
    # semicolon delimiter, a value with a comma in it
    _write(folder, "contact", _text("contact", [
        {"id": "C1", "account_id": "A1", "email": "ada@example.com", "title": "VP, Marketing",
         "created_date": CREATED},
        {"id": "C2", "account_id": "A1", "email": "alan@example.com", "title": "CTO",
         "created_date": CREATED},
    ], delimiter=";"))  # fmt: skip
    # UTF-8 byte order mark before the header (and UTF-8 text)
    _write(folder, "lead", b"\xef\xbb\xbf" + _text("lead", [
        {"id": "L1", "email": "zoe@example.com", "first_name": "Zoë", "company": "Société Générale",
         "status": "Open", "created_date": CREATED},
    ]).encode())  # fmt: skip
    # CRLF line endings, the last column a boolean (a kept \r would not parse)
    _write(folder, "task", _text("task", [
        {"id": "T1", "type": "Call", "subject": "Intro call", "call_duration_in_seconds": "300",
         "created_date": CREATED, "is_deleted": "false"},
        {"id": "T2", "type": "Email", "subject": "Follow-up", "created_date": CREATED,
         "is_deleted": "true"},
    ], columns=[LOADED_AT, *table("task").column_names], newline="\r\n"))  # fmt: skip
    # quoted newlines (LF and CRLF) inside a value
    _write(folder, "event", _text("event", [
        {"id": "E1", "type": "Demo", "subject": "Demo\nwith the \"data\" team, part 1",
         "start_date_time": "2025-03-02T10:00:00Z", "created_date": CREATED},
        {"id": "E2", "type": "Meeting", "subject": "Kick-off\r\nagenda",
         "start_date_time": "2025-03-03T10:00:00Z", "created_date": CREATED},
    ]))  # fmt: skip
    # decimal commas: in a money column and in a decimal column
    _write(folder, "opportunity", _text("opportunity", [
        {"id": "O1", "amount": "1234,50", "created_date": CREATED},
        {"id": "O2", "amount": "1234.50", "probability": "0,5", "created_date": CREATED},
        {"id": "O3", "amount": "1234.50", "probability": "0.5", "created_date": CREATED},
    ]))  # fmt: skip
    # day-first dates: a required timestamp, an optional date (unambiguous and ambiguous)
    _write(folder, "opportunity_history", _text("opportunity_history", [
        {"id": "H1", "opportunity_id": "O3", "created_date": "31/12/2025 10:00"},
        {"id": "H2", "opportunity_id": "O3", "close_date": "31/12/2025", "created_date": CREATED},
        {"id": "H3", "opportunity_id": "O3", "close_date": "01/02/2025", "created_date": CREATED},
        {"id": "H4", "opportunity_id": "O3", "close_date": "2025-12-31", "created_date": CREATED},
    ]))  # fmt: skip
    # Excel serial dates: an optional date, a required timestamp
    _write(folder, "campaign_member", _text("campaign_member", [
        {"id": "M1", "campaign_id": "CP1", "first_responded_date": "45678",
         "created_date": CREATED},
        {"id": "M2", "campaign_id": "CP1", "created_date": "45678.375"},
        {"id": "M3", "campaign_id": "CP1", "first_responded_date": "2025-01-21",
         "created_date": CREATED},
    ]))  # fmt: skip
    # header only
    _write(folder, "nps_response", _text("nps_response", []))
    # duplicated header row (two exports concatenated): a table with no timestamp to fail
    _write(folder, "form", _text("form", [
        {"id": "F1", "name": "Demo request", "form_type": "demo_request"},
        {c: c for c in (*table("form").column_names, LOADED_AT)},
        {"id": "F2", "name": "Newsletter", "form_type": "newsletter"},
    ]))  # fmt: skip
    # a 1 MB text field (with commas and quotes, so quoted)
    _write(folder, "content_asset", _text("content_asset", [
        {"id": "CA1", "title": LONG_TITLE, "asset_type": "ebook"},
        {"id": "CA2", "title": "Short", "asset_type": "blog"},
    ]))  # fmt: skip
    # duplicated primary key: different values at the same load (S1, and S4 over an older
    # version), an exact copy (S2), a newer re-extract (S3)
    older = "2026-05-01T06:00:00Z"
    _write(folder, "subscription", _text("subscription", [
        {"id": "S1", "quantity": "5", "started_at": "2025-01-01T00:00:00Z"},
        {"id": "S1", "quantity": "50", "started_at": "2025-01-01T00:00:00Z"},
        {"id": "S2", "quantity": "3", "started_at": "2025-01-01T00:00:00Z"},
        {"id": "S2", "quantity": "3", "started_at": "2025-01-01T00:00:00Z"},
        {"id": "S3", "quantity": "1", "started_at": "2025-01-01T00:00:00Z", LOADED_AT: older},
        {"id": "S3", "quantity": "2", "started_at": "2025-01-01T00:00:00Z"},
        {"id": "S4", "quantity": "1", "started_at": "2025-01-01T00:00:00Z", LOADED_AT: older},
        {"id": "S4", "quantity": "7", "started_at": "2025-01-01T00:00:00Z"},
        {"id": "S4", "quantity": "8", "started_at": "2025-01-01T00:00:00Z"},
    ]))  # fmt: skip


# quotes and commas in it, so the writer quotes it; no trailing blank (staging trims text)
LONG_TITLE = ('The "long" title, ' * (ONE_MB // 18 + 1))[: ONE_MB - 1] + "."


@pytest.fixture(scope="module")
def building(project_root, dbt_bin, tmp_path_factory):
    """The folder of cases that build: (dbt result, folder, open read-only warehouse)."""
    folder = tmp_path_factory.mktemp("bad_extracts")
    work = tmp_path_factory.mktemp("bad_extracts_build")
    _building_folder(folder)
    result = _dbt(
        project_root, dbt_bin, folder, work, "build", "--select", *_models(BUILDING),
        "--indirect-selection", "buildable", "--exclude", "test_type:unit",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5000:]
    con = duckdb.connect(str(work / "wh.duckdb"), read_only=True)
    yield result, folder, con
    con.close()


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _outcomes(con, name: str, columns: str = "id") -> list[tuple]:
    base = model_names(table(name))["base"]
    return _rows(con, f"select {columns}, _row_outcome, _quarantine_reason "
                      f"from staging.{base} order by all")  # fmt: skip


def test_every_building_case_reconciles_raw_rows_with_its_outcomes(building):
    result, _, _ = building
    # one staging_outcomes test per table: raw rows = staged + quarantined + superseded
    passed = [t for t in BUILDING if f"PASS staging_outcomes_{model_names(table(t))['base']}"
              in result.out]  # fmt: skip
    assert passed == list(BUILDING), result.stdout[-3000:]


def test_renamed_column_is_named_in_a_warning_and_not_staged(building):
    result, folder, con = building
    assert (
        f"raw extract {folder}/campaign.csv: column(s) not in the raw contract, ignored by "
        "staging: 'BudgetedCost__c' (a rename of 'budgeted_cost', absent from the file?)"
    ) in result.out
    assert "--vars '{raw_column_map: {campaign: {budgeted_cost: BudgetedCost__c}}}'" in result.out
    assert _rows(con, "select campaign_id, budgeted_cost, actual_cost "
                      "from staging.stg_salesforce__campaigns") == [
        ("CP1", None, 900)
    ]  # fmt: skip


def test_extra_column_is_listed_in_a_warning_and_the_rows_stage(building):
    result, folder, con = building
    assert (
        f"raw extract {folder}/user.csv: column(s) not in the raw contract, ignored by "
        "staging: 'Favourite_Colour__c'."
    ) in result.out
    assert _rows(con, "select user_id, user_name, department, is_active "
                      "from staging.stg_salesforce__users order by all") == [
        ("U1", "Ada Lovelace", "Sales", True),
        ("U2", "Alan Turing", "Marketing", False),
    ]  # fmt: skip


def test_semicolon_delimiter_is_detected(building):
    _, _, con = building
    assert _rows(con, "select contact_id, account_id, email, title "
                      "from staging.stg_salesforce__contacts order by all") == [
        ("C1", "A1", "ada@example.com", "VP, Marketing"),
        ("C2", "A1", "alan@example.com", "CTO"),
    ]  # fmt: skip


def test_utf8_bom_is_skipped(building):
    _, _, con = building
    assert _rows(con, "select lead_id, first_name, company, status "
                      "from staging.stg_salesforce__leads") == [
        ("L1", "Zoë", "Société Générale", "Open")
    ]  # fmt: skip


def test_crlf_line_endings_leave_no_carriage_return(building):
    _, _, con = building
    # the last column is a boolean: a kept \r would not parse (and quarantine T1)
    assert _rows(con, "select task_id, subject, call_duration_in_seconds, is_deleted, "
                      "cast(loaded_at as varchar) from staging.stg_salesforce__tasks") == [
        ("T1", "Intro call", 300, False, "2026-06-01 06:00:00")
    ]  # fmt: skip
    assert _outcomes(con, "task") == [
        ("T1", "staged", None), ("T2", "quarantined", "soft_deleted")
    ]  # fmt: skip


def test_quoted_newlines_stay_in_the_value(building):
    _, _, con = building
    assert _rows(con, "select event_id, subject, cast(started_at as varchar) "
                      "from staging.stg_salesforce__events order by all") == [
        ("E1", 'Demo\nwith the "data" team, part 1', "2025-03-02 10:00:00"),
        ("E2", "Kick-off\r\nagenda", "2025-03-03 10:00:00"),
    ]  # fmt: skip


def test_decimal_commas_are_quarantined_not_read_as_null(building):
    _, _, con = building
    assert _outcomes(con, "opportunity", "id, amount, probability") == [
        ("O1", "1234,50", None, "quarantined", "invalid_amount"),
        ("O2", "1234.50", "0,5", "quarantined", "invalid_value"),
        ("O3", "1234.50", "0.5", "staged", None),
    ]
    assert _rows(con, "select opportunity_id, amount, probability "
                      "from staging.stg_salesforce__opportunities") == [
        ("O3", 1234.5, 0.5)
    ]  # fmt: skip
    assert _rows(con, "select id, _quarantine_reason from "
                      "staging.quarantine_salesforce__opportunities order by id") == [
        ("O1", "invalid_amount"), ("O2", "invalid_value")
    ]  # fmt: skip


def test_day_first_dates_are_quarantined_required_or_optional(building):
    _, _, con = building
    assert _outcomes(con, "opportunity_history", "id, close_date, created_date") == [
        ("H1", None, "31/12/2025 10:00", "quarantined", "invalid_timestamp"),
        ("H2", "31/12/2025", CREATED, "quarantined", "invalid_timestamp"),
        ("H3", "01/02/2025", CREATED, "quarantined", "invalid_timestamp"),  # ambiguous too
        ("H4", "2025-12-31", CREATED, "staged", None),
    ]


def test_excel_serial_dates_are_quarantined(building):
    _, _, con = building
    assert _outcomes(con, "campaign_member", "id, first_responded_date, created_date") == [
        ("M1", "45678", CREATED, "quarantined", "invalid_timestamp"),
        ("M2", None, "45678.375", "quarantined", "invalid_timestamp"),
        ("M3", "2025-01-21", CREATED, "staged", None),
    ]
    assert _rows(con, "select campaign_member_id, cast(first_responded_date as varchar) "
                      "from staging.stg_salesforce__campaign_members") == [
        ("M3", "2025-01-21")
    ]  # fmt: skip


def test_header_only_stages_an_empty_table_with_a_warning(building):
    result, folder, con = building
    assert (
        f"raw extract {folder}/nps_response.csv has no data rows (a header line only): table "
        "'nps_response' is staged empty"
    ) in result.out
    for model in _models(["nps_response"]):
        assert _rows(con, f"select count(*) from staging.{model}") == [(0,)]


def test_a_repeated_header_row_is_quarantined_not_staged(building):
    _, _, con = building
    assert _outcomes(con, "form", "id, name") == [
        ("F1", "Demo request", "staged", None),
        ("F2", "Newsletter", "staged", None),
        ("id", "name", "quarantined", "repeated_header"),
    ]
    assert _rows(con, "select form_id from staging.stg_marketing_automation__forms "
                      "order by all") == [("F1",), ("F2",)]  # fmt: skip


def test_a_1mb_text_field_stages_whole(building):
    _, _, con = building
    found = con.execute(
        "select content_asset_id, title = ?, length(title) "
        "from staging.stg_web__content_assets order by all", [LONG_TITLE]
    ).fetchall()  # fmt: skip
    assert found == [("CA1", True, ONE_MB), ("CA2", False, 5)]


def test_a_duplicated_key_with_different_values_is_quarantined_not_picked(building):
    _, _, con = building
    assert _outcomes(con, "subscription", "id, quantity") == [
        ("S1", "5", "quarantined", "conflicting_duplicate"),  # same load, different values:
        ("S1", "50", "quarantined", "conflicting_duplicate"),  # neither is the record
        ("S2", "3", "staged", None),  # an exact copy counts once
        ("S2", "3", "superseded", None),
        ("S3", "1", "superseded", None),  # an older load: the newer wins, as before
        ("S3", "2", "staged", None),
        ("S4", "1", "superseded", None),  # the older version is not a fallback
        ("S4", "7", "quarantined", "conflicting_duplicate"),
        ("S4", "8", "quarantined", "conflicting_duplicate"),
    ]
    assert _rows(con, "select subscription_id, quantity from staging.stg_billing__subscriptions "
                      "order by all") == [("S2", 3), ("S3", 2)]  # fmt: skip


# ------------------------------------------------------------- the folder whose build fails
@pytest.fixture(scope="module")
def failing(project_root, dbt_bin, tmp_path_factory):
    """The folder of cases that stop the build: (dbt result, folder)."""
    folder = tmp_path_factory.mktemp("bad_extracts_failing")
    work = tmp_path_factory.mktemp("bad_extracts_failing_build")
    # Latin-1 bytes on line 3
    _write(folder, "account", _text("account", [
        {"id": "A1", "name": "Acme", "created_date": CREATED},
        {"id": "A2", "name": "Société Générale", "created_date": CREATED},
        {"id": "A3", "name": "Globex", "created_date": CREATED},
    ]).encode("latin-1"))  # fmt: skip
    # an empty (0-byte) file
    _write(folder, "contact", b"")
    # a dropped required column
    _write(folder, "opportunity", _text("opportunity", [{"id": "O1", "amount": "10"}], columns=[
        c for c in (*table("opportunity").column_names, LOADED_AT) if c != "created_date"
    ]))  # fmt: skip
    result = _dbt(project_root, dbt_bin, folder, work, "run", "--select",
                  *(model_names(table(t))["base"] for t in FAILING))  # fmt: skip
    assert result.returncode != 0
    assert "Completed with 3 errors" in result.out, result.stdout[-5000:]
    return result, folder


def test_latin1_bytes_stop_the_build_naming_the_file_and_the_line(failing):
    result, folder = failing
    out = result.out
    assert "CSV Error on Line: 3" in out, out[-3000:]
    assert "Invalid unicode (byte sequence mismatch) detected. This file is not utf-8" in out
    assert f"file = {folder}/account.csv" in out


def test_an_empty_file_stops_the_build_naming_the_file(failing):
    result, folder = failing
    assert (
        f"raw extract {folder}/contact.csv is empty (0 bytes): line 1 should be the header line "
        "with the raw contract's columns of table 'contact'"
    ) in result.out


def test_a_dropped_required_column_stops_the_build_naming_the_file_and_the_column(failing):
    result, folder = failing
    assert (
        f"raw extract {folder}/opportunity.csv is missing the required column 'created_date'"
    ) in result.out
