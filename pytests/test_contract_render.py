"""The committed sources, seeds and staging files are exactly what the contract renders."""

from __future__ import annotations

import shutil

from abm_warehouse.raw.contract import TABLES, VERSIONED_TABLES
from abm_warehouse.raw.contract_render import check, model_names, render_all, staged_name, write


def test_committed_files_match_the_contract(project_root):
    assert check(project_root) == []


def test_drift_is_detected(project_root, tmp_path):
    for rel in render_all():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(project_root / rel, tmp_path / rel)
    target = tmp_path / "models/staging/salesforce/stg_salesforce__accounts.sql"
    target.write_text(target.read_text().replace("account_id", "acct_id"))
    problems = check(tmp_path)
    assert len(problems) == 1 and "stg_salesforce__accounts.sql" in problems[0]
    assert write(tmp_path) == 1 and check(tmp_path) == []


def test_every_table_has_base_staging_and_quarantine_models_and_versions_where_needed():
    rendered = {p.name for p in render_all()}
    for t in TABLES:
        for model in model_names(t).values():
            assert f"{model}.sql" in rendered and f"{model}.yml" in rendered
        # every version of a record for the tables whose history the marts read
        assert ("versions" in model_names(t)) == (t.name in VERSIONED_TABLES)


def test_naming_conventions():
    by = {t.name: t for t in TABLES}
    opp = by["opportunity"]
    assert staged_name(opp, opp.column("id")) == "opportunity_id"
    assert staged_name(opp, opp.column("type")) == "opportunity_type"
    assert staged_name(opp, opp.column("created_date")) == "created_at"
    assert staged_name(opp, opp.column("promo_code_c")) == "promo_code"
    web = by["web_event"]
    assert staged_name(web, web.column("event_id")) == "web_event_id"
    assert model_names(by["opportunity_history"])["stg"] == "stg_salesforce__opportunity_history"
    assert model_names(by["identify"])["stg"] == "stg_web__identifies"
