"""The structure rules catch what they claim to catch, on hand-made manifests."""

from abm_warehouse.quality.project_lint import check_catalog, check_manifest, check_yaml_files


def _model(name, path, description="One row per thing.", deps=(), patch=True):
    return {
        "resource_type": "model",
        "package_name": "p",
        "name": name,
        "original_file_path": path,
        "description": description,
        "depends_on": {"nodes": list(deps)},
        "patch_path": ("p://" + path[:-4] + ".yml") if patch else None,
        "columns": {},
        "access": "public",
        "language": "sql",
        "config": {"contract": {"enforced": True}},
    }


def _test(model_uid, name, column):
    return {
        "resource_type": "test",
        "package_name": "p",
        "attached_node": model_uid,
        "column_name": column,
        "test_metadata": {"name": name},
        "depends_on": {"nodes": [model_uid]},
    }


def _manifest(nodes, sources=None):
    return {"metadata": {"project_name": "p"}, "nodes": nodes, "sources": sources or {}}


def _pk(uid):
    return {f"t1.{uid}": _test(uid, "unique", "id"), f"t2.{uid}": _test(uid, "not_null", "id")}


def test_clean_model_passes():
    uid = "model.p.fct_orders"
    nodes = {uid: _model("fct_orders", "models/marts/sales/fct_orders.sql"), **_pk(uid)}
    assert check_manifest(_manifest(nodes)) == []


def test_each_rule_reports_its_problem():
    uid = "model.p.orders"
    nodes = {
        uid: _model(
            "orders",
            "models/marts/sales/orders.sql",
            description="Orders.",
            deps=["source.p.raw.orders", "model.p.base_raw__orders"],
            patch=False,
        ),
        f"t.{uid}": _test(uid, "unique", "id"),  # unique without not_null is no primary key
    }
    problems = "\n".join(check_manifest(_manifest(nodes)))
    assert "does not state the grain" in problems
    assert "no primary-key test" in problems
    assert "marts model names start with dim_ / fct_ / kpi_" in problems
    assert "only base_ staging models may read sources" in problems
    assert "marts must not read base_raw__orders" in problems
    assert "no YAML file" in problems


def test_intermediate_or_staging_reading_a_mart_is_reported():
    mart, inter, stg = "model.p.fct_orders", "model.p.int_order_items", "model.p.stg_shop__orders"
    nodes = {
        mart: _model("fct_orders", "models/marts/sales/fct_orders.sql", deps=[inter]),
        inter: _model(
            "int_order_items", "models/intermediate/sales/int_order_items.sql", deps=[mart]
        ),
        stg: _model("stg_shop__orders", "models/staging/shop/stg_shop__orders.sql", deps=[mart]),
        **_pk(mart),
        **_pk(inter),
        **_pk(stg),
    }
    assert check_manifest(_manifest(nodes)) == [
        "int_order_items (models/intermediate/sales/int_order_items.sql): intermediate models "
        "must not read the mart fct_orders (move the shared logic into an intermediate model)",
        "stg_shop__orders (models/staging/shop/stg_shop__orders.sql): staging models "
        "must not read the mart fct_orders (move the shared logic into an intermediate model)",
    ]


def test_marts_may_read_intermediates_and_marts():
    mart, other, inter = "model.p.fct_orders", "model.p.kpi_orders", "model.p.int_orders"
    nodes = {
        inter: _model("int_orders", "models/intermediate/sales/int_orders.sql"),
        mart: _model("fct_orders", "models/marts/sales/fct_orders.sql", deps=[inter]),
        other: _model("kpi_orders", "models/marts/sales/kpi_orders.sql", deps=[mart, inter]),
        **_pk(mart),
        **_pk(other),
        **_pk(inter),
    }
    assert check_manifest(_manifest(nodes)) == []


def test_yaml_must_sit_next_to_the_model():
    uid = "model.p.int_x"
    node = _model("int_x", "models/intermediate/core/int_x.sql")
    node["patch_path"] = "p://models/intermediate/_models.yml"
    problems = check_manifest(_manifest({uid: node, **_pk(uid)}))
    assert problems == [
        "int_x (models/intermediate/core/int_x.sql): YAML should be "
        "models/intermediate/core/int_x.yml, is models/intermediate/_models.yml"
    ]


def test_source_without_freshness_is_reported():
    source = {
        "package_name": "p",
        "source_name": "crm",
        "name": "account",
        "freshness": {"warn_after": {"count": None}, "error_after": {"count": None}},
        "loaded_at_field": None,
    }
    problems = check_manifest(_manifest({}, {"source.p.crm.account": source}))
    assert problems == [
        "source crm.account: no freshness",
        "source crm.account: no loaded_at_field",
    ]


def test_catalog_columns_must_be_documented_both_ways():
    uid = "model.p.kpi_x"
    node = _model("kpi_x", "models/marts/kpis/kpi_x.sql")
    node["columns"] = {"metric_month": {"description": "Month."}, "gone": {"description": "x"}}
    catalog = {"nodes": {uid: {"columns": {"METRIC_MONTH": {}, "win_rate": {}}}}}
    assert check_catalog(_manifest({uid: node}), catalog) == [
        "kpi_x: column win_rate is not documented",
        "kpi_x: documented column gone does not exist",
    ]


def test_unit_tests_nested_under_a_model_are_reported(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.yml").write_text(
        "version: 2\nmodels:\n  - name: m\n    unit_tests:\n      - name: t\n"
    )
    (tmp_path / "models" / "ok.yml").write_text(
        "version: 2\nmodels:\n  - name: ok\nunit_tests:\n  - name: t\n    model: ok\n"
    )
    problems = check_yaml_files(tmp_path)
    assert len(problems) == 1 and "model m has a nested 'unit_tests' key" in problems[0]


def test_marts_are_public_and_contracted():
    uid = "model.p.kpi_x"
    node = _model("kpi_x", "models/marts/kpis/kpi_x.sql")
    node.update(access="protected", config={"contract": {"enforced": False}})
    node["columns"] = {"metric_month": {"data_type": "date"}, "win_rate": {"data_type": None}}
    assert check_manifest(_manifest({uid: node, **_pk(uid)})) == [
        "kpi_x (models/marts/kpis/kpi_x.sql): marts are access: public (is protected)",
        "kpi_x (models/marts/kpis/kpi_x.sql): the mart's contract is not enforced",
        "kpi_x (models/marts/kpis/kpi_x.sql): columns without data_type: win_rate",
    ]


def test_a_python_mart_declares_its_types_and_the_catalog_has_them():
    uid = "model.p.fct_ltv"
    node = _model("fct_ltv", "models/marts/revenue/fct_ltv.py")
    node.update(language="python", config={"contract": {"enforced": False}})
    node["patch_path"] = "p://models/marts/revenue/fct_ltv.yml"
    node["columns"] = {
        "account_id": {"description": "Id.", "data_type": "varchar"},
        "ltv": {"description": "LTV.", "data_type": "double"},
    }
    assert check_manifest(_manifest({uid: node, **_pk(uid)})) == []
    built = {"account_id": {"type": "VARCHAR"}, "ltv": {"type": "BIGINT"}}
    catalog = {"nodes": {uid: {"columns": built}}}
    assert check_catalog(_manifest({uid: node}), catalog) == [
        "fct_ltv: column ltv is bigint, its contract says double"
    ]


def test_a_model_version_is_described_in_its_model_yaml():
    uid = "model.p.kpi_x.v2"
    node = _model("kpi_x", "models/marts/kpis/kpi_x_v2.sql")
    node["patch_path"] = "p://models/marts/kpis/kpi_x.yml"
    assert check_manifest(_manifest({uid: node, **_pk(uid)})) == []
