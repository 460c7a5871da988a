"""SQL: the base, stg_ and quarantine models and the defect-manifest test."""

from __future__ import annotations

from abm_warehouse.raw.contract import (
    APPEND_ONLY_TABLES,
    LOADED_AT,
    TABLES,
    Column,
    Table,
)
from abm_warehouse.raw.contract_render.names import (
    BANNERS,
    SQL_HEADER,
    _flags,
    model_names,
    staged_name,
)


def render_base_sql(t: Table) -> str:
    if t.name in APPEND_ONLY_TABLES:
        # incremental: rows of keys with newer loads are restaged (delete+insert by raw row)
        config = "{{ config(**incremental_by_key_config('_raw_row_key')) }}"
        stamp = ", stamp_rows=true"
    else:
        config = "{{ config(materialized='table') }}"
        stamp = ""
    return (
        f"{SQL_HEADER}-- depends_on: {{{{ ref('{t.name}') }}}}\n"
        f"{config}\n\n"
        f"{{{{ stage_raw_table('{t.system}', '{t.name}'{stamp}) }}}}\n"
    )


def render_quarantine_sql(t: Table) -> str:
    m = model_names(t)
    return (
        f"{SQL_HEADER}\nwith base as (\n\n    select * from {{{{ ref('{m['base']}') }}}}\n\n),\n\n"
        "quarantined as (\n\n    select *\n    from base\n"
        "    where _row_outcome = 'quarantined'\n\n)\n\nselect * from quarantined\n"
    )


def _cast(c: Column) -> str:
    return {
        "id": f"{{{{ stage_text('{c.name}') }}}}",
        "string": f"{{{{ stage_text('{c.name}') }}}}",
        "email": f"{{{{ stage_email('{c.name}') }}}}",
        "enum": f"{{{{ stage_text('{c.name}') }}}}",
        "currency": f"{{{{ stage_currency('{c.name}') }}}}",
        "integer": f"{{{{ stage_integer('{c.name}') }}}}",
        "decimal": f"{{{{ stage_decimal('{c.name}') }}}}",
        "money": f"{{{{ stage_money('{c.name}') }}}}",
        "boolean": f"{{{{ stage_boolean('{c.name}') }}}}",
        "date": f"{{{{ stage_date('{c.name}') }}}}",
        "timestamp": f"{{{{ stage_timestamp('{c.name}') }}}}",
    }[c.type]


STG_INCREMENTAL_DOC = """\
-- A table, parsed once (not a view re-parsed by every consumer and test). Incremental: a run
-- restages the keys whose rows the base model (re)wrote since this model's last run (its
-- dbt_refreshed_at), with every raw row of those keys; the `restage` strategy
-- (macros/utils/restage.sql) deletes those keys and inserts their staged rows, so a key whose
-- newest version was quarantined or soft-deleted leaves. A later as-of date restages the rows
-- it turns from future-dated to known (is_future_dated reads it): from this table itself, the
-- rows differing only in that flag. Per engine: macros/utils/engines.sql.
"""


def render_stg_sql(t: Table) -> str:
    m = model_names(t)
    key = staged_name(t, t.column(t.key[0]))
    if t.name in APPEND_ONLY_TABLES:
        source = [
            f"{{{{ config(**staged_events_config('{key}')) }}}}\n",
            STG_INCREMENTAL_DOC,
            "-- The templater indents inside the if block: the layout is checked by eye.",
            "-- noqa: disable=LT02",
            "{% if is_incremental() %}",
            "with watermark as (\n",
            "    select max(dbt_refreshed_at) as refreshed_after",
            "    from {{ this }}\n",
            "),\n",
            "source as (\n",
            "    select base_rows.*",
            f"    from {{{{ ref('{m['base']}') }}}} as base_rows",
            "    cross join watermark",
            "    where {{ written_since_watermark('base_rows') }}\n",
            "),",
            "{% else %}",
            "with source as (\n",
            f"    select * from {{{{ ref('{m['base']}') }}}}",
            "    where _row_outcome = 'staged'\n",
            "),",
            "{% endif %}",
            "-- noqa: enable=LT02\n",
        ]
    else:
        source = [
            "with source as (\n",
            f"    select * from {{{{ ref('{m['base']}') }}}}",
            "    where _row_outcome = 'staged'\n",
            "),\n",
        ]
    lines = [SQL_HEADER, *source, "renamed as (\n", "    select\n"]
    body = []
    if t.name in APPEND_ONLY_TABLES:
        # the restage strategy inserts only the staged rows of a run and drops this column
        body.append("        {%- if is_incremental() %}")
        body.append("        _row_outcome,  -- noqa: LT02")
        body.append("        {%- endif %}\n")
    for banner, types in BANNERS:
        cols = [c for c in t.columns if c.type in types]
        if not cols:
            continue
        body.append(f"        -- {banner}")
        body.extend(f"        {_cast(c)} as {staged_name(t, c)}," for c in cols)
        body.append("")
    body.append("        -- load")
    body.append(f"        {{{{ stage_timestamp('{LOADED_AT}') }}}} as loaded_at,")
    if t.name in APPEND_ONLY_TABLES:
        body.append("        {{ run_stamp() }} as dbt_refreshed_at,")
    flags = _flags(t)
    if flags:
        body.append("")
        body.append("        -- flags (rows kept, see the model's warn tests)")
        for flag, _ in flags:
            body.append(f"        {_flag_sql(t, flag)} as {flag},")
    body[-1] = body[-1].rstrip(",")
    lines.append("\n".join(body))
    lines.append("\n    from source\n\n)\n")
    if t.name in APPEND_ONLY_TABLES:
        lines.append(_ripened_sql(t, key, staged_name(t, _future_column(t))))
        lines.append("select * from renamed\n{% endif %}\n-- noqa: enable=all\n")
    else:
        lines.append("\nselect * from renamed\n")
    return "\n".join(lines).replace("\n\n\n", "\n\n")


def _ripened_sql(t: Table, key: str, future: str) -> str:
    """The last select of an incremental staged event model when a later as-of date turns
    stored rows from future-dated to known: those rows again (not restaged from the base model,
    whose scan would parse every raw key: they differ only in the flag), known now, with this
    run's stamp. Rendered only when a stored row needs it (stored_rows_exist)."""
    ripened = f"stored.is_future_dated and stored.{future} < "
    return (
        "\n".join(
            [
                "-- noqa: disable=all",
                f"{{% if is_incremental() and stored_rows_exist('{ripened}' ~ as_of_end()) %}}",
                "select * from renamed",
                "union all by name",
                "select",
                "    stored.* exclude (is_future_dated, dbt_refreshed_at),",
                "    'staged' as _row_outcome,",
                "    false as is_future_dated,",
                "    {{ run_stamp() }} as dbt_refreshed_at",
                "from {{ this }} as stored",
                f"where {ripened}{{{{ as_of_end() }}}}",
                f"    and stored.{key} not in (",
                f"        select renamed.{key} from renamed where renamed.{key} is not null",
                "    )",
                "{% else %}",
            ]
        )
        + "\n"
    )


def _future_column(t: Table) -> Column:
    """The column whose value after as_of_date makes a row future-dated: the table's event time
    (a meeting's start may well be in the future; its creation may not)."""
    if t.event_time and t.column(t.event_time).required:
        return t.column(t.event_time)
    return next(c for c in t.columns if c.required and c.type in ("date", "timestamp"))


def _flag_sql(t: Table, flag: str) -> str:
    if flag == "has_invalid_email":
        cols = [c.name for c in t.columns if c.type == "email"]
        return " or ".join(f"{{{{ is_invalid_email('{c}') }}}}" for c in cols)
    if flag == "has_unknown_currency":
        cols = [c.name for c in t.columns if c.type == "currency"]
        return " or ".join(f"{{{{ is_unknown_currency('{c}') }}}}" for c in cols)
    if flag == "has_unknown_enum":
        parts = []
        for c in t.columns:
            if c.type == "enum":
                values = [f"'{v}'" for v in c.accepted_values]
                one_line = f"{{{{ is_unknown_enum('{c.name}', [{', '.join(values)}]) }}}}"
                if len(one_line) <= 80:
                    parts.append(one_line)
                    continue
                rows, row = [], []
                for v in values:
                    if row and len(", ".join([*row, v])) > 80:
                        rows.append(", ".join(row) + ",")
                        row = []
                    row.append(v)
                rows.append(", ".join(row))
                body = "\n".join(f"            {r}" for r in rows)
                parts.append(f"{{{{ is_unknown_enum('{c.name}', [\n{body}\n        ]) }}}}")
        return "\n        or ".join(parts)
    if flag == "is_future_dated":
        c = _future_column(t)
        return f"coalesce({_cast(c)} >= {{{{ as_of_end() }}}}, false)"
    raise ValueError(flag)


def render_manifest_test() -> str:
    parts = []
    for t in TABLES:
        parts.append(
            f"    select\n        '{t.name}' as table_name,\n        _row_outcome as row_outcome,\n"
            "        coalesce(_quarantine_reason, '') as reason,\n        count(*) as actual_rows\n"
            f"    from {{{{ ref('{model_names(t)['base']}') }}}}\n"
            "    where _row_outcome <> 'staged'\n    group by _row_outcome, _quarantine_reason"
        )
    union = "\n\n    union all\n\n".join(parts)
    return (
        f"{SQL_HEADER}-- For the committed sample: the rows quarantined per table and reason, and the\n"
        "-- rows superseded per table, are exactly those the generator says it injected\n"
        "-- (seeds/raw_sample/raw_defect_manifest.csv). Off when reading the user's own extracts.\n"
        "{{ config(enabled=(var('raw_extracts_path', '') | trim == '')) }}\n\n"
        "with expected as (\n\n    select\n        table_name,\n"
        "        expected_outcome as row_outcome,\n        coalesce(expected_reason, '') as reason,\n"
        "        count(*) as expected_rows\n    from {{ ref('raw_defect_manifest') }}\n"
        "    where expected_outcome in ('quarantined', 'superseded')\n"
        "    group by table_name, expected_outcome, coalesce(expected_reason, '')\n\n),\n\n"
        f"actual as (\n\n{union}\n\n),\n\n"
        "compared as (\n\n    select\n"
        "        coalesce(expected.table_name, actual.table_name) as table_name,\n"
        "        coalesce(expected.row_outcome, actual.row_outcome) as row_outcome,\n"
        "        coalesce(expected.reason, actual.reason) as reason,\n"
        "        coalesce(expected.expected_rows, 0) as expected_rows,\n"
        "        coalesce(actual.actual_rows, 0) as actual_rows\n"
        "    from expected\n    full outer join actual\n"
        "        on\n            expected.table_name = actual.table_name\n"
        "            and expected.row_outcome = actual.row_outcome\n"
        "            and expected.reason = actual.reason\n\n)\n\n"
        "select * from compared\nwhere expected_rows <> actual_rows\n"
    )
