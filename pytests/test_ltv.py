"""Assembly of the LTV marts (src/abm_warehouse/maths/ltv.py): the logic of the Python dbt models
kpi_ltv_sbg_fits, kpi_ltv_survival_curve and fct_account_ltv, which dbt unit tests cannot reach."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_warehouse.maths import ltv, sbg


def _lifetimes(seed: int = 3) -> pd.DataFrame:
    """80 monthly ABM lifetimes (heterogeneous churn), 10 monthly non-ABM, 40 annual non-ABM."""
    rng = np.random.default_rng(seed)
    rows = []

    def add(prefix, count, segment, interval, alpha, beta, horizon):
        theta = rng.beta(alpha, beta, count)
        lifetime = rng.geometric(theta)
        observed = rng.integers(1, horizon + 1, count)
        for i in range(count):
            churned = bool(lifetime[i] <= observed[i])
            rows.append(
                {
                    "lifetime_id": f"{prefix}{i}",
                    "account_id": f"{prefix}{i}",
                    "segment": segment,
                    "billing_interval": interval,
                    "started_at": pd.Timestamp("2023-01-01") + pd.Timedelta(days=i),
                    "end_state": "churned" if churned else "active",
                    "is_churned": churned,
                    "renewals": int(lifetime[i] - 1 if churned else observed[i]),
                    "period_amount_reporting": 100.0,
                }
            )

    add("m", 80, "ABM", "month", 0.8, 8.0, 30)
    add("n", 10, "non-ABM", "month", 0.8, 8.0, 30)
    add("y", 40, "non-ABM", "year", 2.0, 6.0, 4)
    return pd.DataFrame(rows)


def test_fit_groups_publishes_every_group_and_nulls_small_ones():
    lifetimes = _lifetimes()
    fits = ltv.fit_groups(lifetimes, min_sample_size=30, annual_discount_rate=0.10)
    assert list(zip(fits.billing_interval, fits.segment, strict=True)) == [
        ("month", "all"),
        ("month", "ABM"),
        ("month", "non-ABM"),
        ("year", "all"),
        ("year", "ABM"),
        ("year", "non-ABM"),
    ]
    by_group = fits.set_index(["billing_interval", "segment"])
    small = by_group.loc[("month", "non-ABM")]
    assert small.sample_size == 10 and small.fit_status == "insufficient_sample"
    assert pd.isna(small.alpha) and not small.converged
    assert "sbg_min_sample_size = 30" in small.fit_note
    empty = by_group.loc[("year", "ABM")]
    assert empty.sample_size == 0 and pd.isna(empty.max_renewals)
    fitted = by_group.loc[("month", "all")]
    assert fitted.converged and fitted.sample_size == 90
    expected = sbg.fit_sbg(
        lifetimes.loc[lifetimes.billing_interval == "month", "renewals"],
        lifetimes.loc[lifetimes.billing_interval == "month", "is_churned"],
    )
    assert fitted.alpha == pytest.approx(expected.alpha)
    assert fitted.period_discount_rate == pytest.approx(1.1 ** (1 / 12) - 1)
    assert by_group.loc[("year", "all")].period_discount_rate == pytest.approx(0.10)


def test_kaplan_meier_by_hand():
    # Renewals / churned: (0, churned) T=1; (1, censored); (2, churned) T=3; (3, censored).
    km = ltv.kaplan_meier([0, 1, 2, 3], [True, False, True, False], periods=5)
    # At risk at decision t: churned with T >= t, censored with n >= t (decisions survived).
    assert km.at_risk.tolist() == [4, 4, 2, 2, 0, 0]
    assert km.churned.tolist() == [0, 1, 0, 1, 0, 0]
    np.testing.assert_allclose(km.observed_survival[:4], [1.0, 0.75, 0.75, 0.375])
    assert km.observed_survival[4:].isna().all()
    np.testing.assert_allclose(km.observed_retention_rate[1:4], [0.75, 1.0, 0.5])


def test_survival_curves_project_only_usable_fits():
    lifetimes = _lifetimes()
    fits = ltv.fit_groups(lifetimes, min_sample_size=30, annual_discount_rate=0.10)
    curves = ltv.survival_curves(lifetimes, fits, {"month": 24, "year": 5})
    assert len(curves) == 3 * 25 + 3 * 6
    month_all = curves[(curves.billing_interval == "month") & (curves.segment == "all")]
    fit = fits.iloc[0]
    np.testing.assert_allclose(
        month_all.projected_survival.astype(float),
        sbg.survival_curve(fit.alpha, fit.beta, 24),
    )
    assert pd.isna(month_all.projected_retention_rate.iloc[0])
    small = curves[(curves.billing_interval == "month") & (curves.segment == "non-ABM")]
    assert small.projected_survival.isna().all() and not small.has_fit.any()
    assert small.observed_survival.iloc[0] == 1.0


def test_account_ltv_uses_segment_fit_then_all_fit_and_zero_for_churned():
    lifetimes = _lifetimes()
    fits = ltv.fit_groups(lifetimes, min_sample_size=30, annual_discount_rate=0.10)
    revenue = pd.DataFrame(
        {
            "account_id": ["m0", "n0"],
            "paid_invoices": [3, 1],
            "revenue_to_date": [300.0, 100.0],
            "ltv_historical": [240.0, 80.0],
        }
    )
    out = ltv.account_ltv(lifetimes, revenue, fits, gross_margin=0.8).set_index("account_id")
    assert len(out) == len(lifetimes)
    by_group = fits.set_index(["billing_interval", "segment"])
    d = by_group.loc[("month", "all")].period_discount_rate
    for account, segment_fit in (("m", "ABM"), ("n", "all")):
        active = lifetimes[
            (lifetimes.account_id.str.startswith(account)) & (lifetimes.end_state == "active")
        ].iloc[0]
        row = out.loc[active.account_id]
        fit = by_group.loc[("month", segment_fit)]
        value = float(sbg.derl(d, fit.alpha, fit.beta, active.renewals))
        assert row.fit_segment == segment_fit
        assert row.derl == pytest.approx(value)
        assert row.ltv_predicted == pytest.approx(100.0 * 0.8 * value)
        assert row.arpa_per_period == 100.0
    churned = lifetimes[lifetimes.end_state == "churned"].iloc[0]
    row = out.loc[churned.account_id]
    assert not row.is_active_customer and row.ltv_predicted == 0 and row.derl == 0
    assert pd.isna(row.arpa_per_period) and row.fit_note == "no active paid subscription"
    assert out.loc["m0", "ltv_historical"] == 240.0
    assert out.loc["m1", "ltv_historical"] == 0.0


def test_account_ltv_without_any_usable_fit_is_null():
    lifetimes = _lifetimes()
    fits = ltv.fit_groups(lifetimes, min_sample_size=1000, annual_discount_rate=0.10)
    empty = pd.DataFrame(
        columns=["account_id", "paid_invoices", "revenue_to_date", "ltv_historical"]
    )
    out = ltv.account_ltv(lifetimes, empty, fits, gross_margin=0.8)
    active = out[out.is_active_customer]
    assert active.ltv_predicted.isna().all() and active.derl.isna().all()
    assert active.fit_note.str.startswith("no usable").all()
    assert (out[~out.is_active_customer].ltv_predicted == 0).all()


def test_account_ltv_without_any_lifetime_keeps_text_columns_typed():
    """Extracts without billing: no lifetime, no account. The text columns stay strings, so
    DuckDB stores them as VARCHAR rather than as type NULL."""
    import duckdb

    lifetimes = _lifetimes().iloc[0:0]
    fits = ltv.fit_groups(lifetimes, min_sample_size=1, annual_discount_rate=0.10)
    revenue = pd.DataFrame(
        columns=["account_id", "paid_invoices", "revenue_to_date", "ltv_historical"]
    )
    out = ltv.account_ltv(lifetimes, revenue, fits, gross_margin=0.8)
    assert out.empty
    con = duckdb.connect()
    con.register("out", out)
    types = dict(con.execute("select column_name, column_type from (describe out)").fetchall())
    assert types["account_id"] == "VARCHAR" and types["fit_note"] == "VARCHAR"
    assert "NULL" not in types.values()


def _fit_row(interval: str, segment: str, alpha: float | None, beta: float | None, d: float):
    return {
        "billing_interval": interval,
        "segment": segment,
        "alpha": alpha,
        "beta": beta,
        "converged": alpha is not None,
        "period_discount_rate": d,
    }


def test_account_ltv_sums_every_active_lifetime_and_reads_the_current_one():
    """Accounts with several lifetimes, by hand: the prediction sums ARPA x margin x DERL over
    the active lifetimes (each with its own fit); the current lifetime (latest active, else
    latest) gives renewals, ARPA, DERL and fit; one lifetime without a usable fit or with an
    unknown amount makes the prediction NULL; the notes follow the lifetimes' order."""
    fits = pd.DataFrame(
        [
            _fit_row("month", "ABM", 1.0, 9.0, 0.01),
            _fit_row("month", "all", 2.0, 8.0, 0.01),
            _fit_row("year", "all", None, None, 0.1),
        ]
    )

    def lifetime(lifetime_id, account, segment, interval, day, state, renewals, amount):
        return {
            "lifetime_id": lifetime_id,
            "account_id": account,
            "segment": segment,
            "billing_interval": interval,
            "started_at": pd.Timestamp("2024-01-01") + pd.Timedelta(days=day),
            "end_state": state,
            "is_churned": state == "churned",
            "renewals": renewals,
            "period_amount_reporting": amount,
        }

    lifetimes = pd.DataFrame(
        [
            # A: two active monthly lifetimes (ABM fit, then non-ABM -> 'all' fit), one churned
            lifetime("a1", "A", "ABM", "month", 0, "churned", 5, 50.0),
            lifetime("a3", "A", "non-ABM", "month", 20, "active", 2, 200.0),
            lifetime("a2", "A", "ABM", "month", 10, "active", 4, 100.0),
            # B: an active monthly lifetime, then an active annual one (no usable year fit)
            lifetime("b1", "B", "ABM", "month", 0, "active", 3, 100.0),
            lifetime("b2", "B", "ABM", "year", 5, "active", 1, 1200.0),
            # C: an active lifetime of unknown amount (unknown currency)
            lifetime("c1", "C", "ABM", "month", 0, "active", 1, np.nan),
            # D: two ended lifetimes, the latest is current
            lifetime("d1", "D", "ABM", "month", 0, "churned", 7, 30.0),
            lifetime("d2", "D", "ABM", "year", 9, "switched_interval", 0, 400.0),
        ]
    )
    revenue = pd.DataFrame(
        {
            "account_id": ["A", "D"],
            "paid_invoices": [9, 8],
            "revenue_to_date": [1000.0, 610.0],
            "ltv_historical": [800.0, 488.0],
        }
    )
    out = ltv.account_ltv(lifetimes, revenue, fits, gross_margin=0.5).set_index("account_id")
    assert list(out.index) == ["A", "B", "C", "D"]

    derl_a2 = float(sbg.derl(0.01, 1.0, 9.0, 4))
    derl_a3 = float(sbg.derl(0.01, 2.0, 8.0, 2))
    a = out.loc["A"]
    assert (a.current_lifetime_id, a.renewals, a.arpa_per_period) == ("a3", 2, 200.0)
    assert a.active_lifetimes == 2 and a.is_active_customer
    assert (a.fit_segment, a.period_discount_rate) == ("all", 0.01)
    assert a.derl == pytest.approx(derl_a3)
    assert a.ltv_predicted == pytest.approx(100.0 * 0.5 * derl_a2 + 200.0 * 0.5 * derl_a3)
    assert a.ltv_total == pytest.approx(800.0 + a.ltv_predicted)
    assert a.fit_note == "month fit of segment all"
    assert (a.paid_invoices, a.revenue_to_date) == (9, 1000.0)

    b = out.loc["B"]
    assert b.current_lifetime_id == "b2" and b.active_lifetimes == 2
    assert pd.isna(b.ltv_predicted) and pd.isna(b.derl) and pd.isna(b.fit_segment)
    assert pd.isna(b.ltv_total) and b.fit_note == "no usable year fit"
    assert (b.paid_invoices, b.revenue_to_date, b.ltv_historical) == (0, 0.0, 0.0)

    c = out.loc["C"]
    assert pd.isna(c.ltv_predicted) and pd.isna(c.arpa_per_period)
    assert c.derl == pytest.approx(float(sbg.derl(0.01, 1.0, 9.0, 1)))
    assert c.fit_note == "month fit of segment ABM"

    d = out.loc["D"]
    assert (d.current_lifetime_id, d.renewals, d.billing_interval) == ("d2", 0, "year")
    assert not d.is_active_customer and d.active_lifetimes == 0
    assert (d.derl, d.ltv_predicted, d.ltv_total) == (0.0, 0.0, 488.0)
    assert pd.isna(d.arpa_per_period) and pd.isna(d.period_discount_rate)
    assert d.fit_note == "no active paid subscription"


def test_account_ltv_notes_each_lifetime_without_a_fit_in_order():
    """An account whose earlier active lifetime has no usable fit and whose current one has:
    both notes, in the lifetimes' order; the prediction is NULL, the DERL is the current one's."""
    fits = pd.DataFrame(
        [_fit_row("month", "all", 1.0, 9.0, 0.01), _fit_row("year", "all", None, None, 0.1)]
    )
    lifetimes = pd.DataFrame(
        {
            "lifetime_id": ["x1", "x2"],
            "account_id": ["X", "X"],
            "segment": ["ABM", "ABM"],
            "billing_interval": ["year", "month"],
            "started_at": [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")],
            "end_state": ["active", "active"],
            "is_churned": [False, False],
            "renewals": [1, 3],
            "period_amount_reporting": [1200.0, 100.0],
        }
    )
    empty = pd.DataFrame(
        columns=["account_id", "paid_invoices", "revenue_to_date", "ltv_historical"]
    )
    x = ltv.account_ltv(lifetimes, empty, fits, gross_margin=0.8).iloc[0]
    assert x.fit_note == "no usable year fit; month fit of segment all"
    assert pd.isna(x.ltv_predicted) and x.fit_segment == "all"
    assert x.derl == pytest.approx(float(sbg.derl(0.01, 1.0, 9.0, 3)))
