"""The sBG estimator and DERL (src/abm_warehouse/maths/sbg.py) against the published worked
examples, brute-force sums, known limits and parameter recovery on simulated cohorts."""

from __future__ import annotations

import numpy as np
import pytest

from abm_warehouse.maths import sbg

# Fader & Hardie (2007), "How to Project Customer Retention", Table 1: customers of two
# cohorts of 1000 still active at the start of years 1..8 (years 0-7 after acquisition).
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


# ------------------------------------------------------------------ (a) the 2007 worked example


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta", "ll"),
    [
        # The paper's estimates; the maximum log-likelihoods are those of the same data.
        (REGULAR, 0.704, 1.182, -1680.3),
        (HIGH_END, 0.668, 3.806, -1611.2),
    ],
)
def test_fit_reproduces_the_2007_paper(survivors, alpha, beta, ll):
    fit = sbg.fit_sbg(*sbg.cohort_to_lifetimes(survivors))
    assert fit.converged
    assert round(fit.alpha, 3) == alpha
    assert round(fit.beta, 3) == beta
    assert round(fit.log_likelihood, 1) == ll
    assert fit.sample_size == 1000
    assert fit.n_censored == survivors[-1]
    assert fit.n_churned == 1000 - survivors[-1]


def test_log_likelihood_at_alpha_beta_one_matches_the_paper_spreadsheet():
    # The appendix's Excel starting point alpha = beta = 1 gives LL = -2115.5 on the high-end data.
    renewals, churned, weights = sbg.cohort_to_lifetimes(HIGH_END)
    assert sbg.log_likelihood(1.0, 1.0, renewals, churned, weights) == pytest.approx(
        -2115.5, abs=0.05
    )


def test_projected_high_end_survivors_years_8_to_12():
    fit = sbg.fit_sbg(*sbg.cohort_to_lifetimes(HIGH_END))
    projected = 1000 * sbg.survival_curve(fit.alpha, fit.beta, 12)
    # Fitted years 1-7 stay close to the data; years 8-12 are the model's projection.
    assert np.abs(projected[1:8] - np.array(HIGH_END[1:])).max() < 20
    np.testing.assert_allclose(projected[8:], [460.4, 435.8, 414.2, 395.1, 378.0], atol=0.1)


def test_weights_equal_expanded_rows():
    renewals, churned, weights = sbg.cohort_to_lifetimes([40, 25, 18, 15])
    counts = weights.astype(int)
    expanded = sbg.fit_sbg(np.repeat(renewals, counts), np.repeat(churned, counts))
    weighted = sbg.fit_sbg(renewals, churned, weights)
    assert weighted.alpha == pytest.approx(expanded.alpha, rel=1e-6)
    assert weighted.beta == pytest.approx(expanded.beta, rel=1e-6)
    assert weighted.log_likelihood == pytest.approx(expanded.log_likelihood, rel=1e-9)


# ------------------------------------------------------------------ distribution identities


@pytest.mark.parametrize(("alpha", "beta"), [(0.704, 1.182), (0.668, 3.806), (5.0, 0.3)])
def test_distribution_identities(alpha, beta):
    t = np.arange(1, 60)
    p = sbg.churn_probability(t, alpha, beta)
    s = sbg.survival(t, alpha, beta)
    # P(T = 1) = alpha / (alpha + beta) and the recursion of the paper.
    assert p[0] == pytest.approx(alpha / (alpha + beta))
    np.testing.assert_allclose(p[1:], (beta + t[1:] - 2) / (alpha + beta + t[1:] - 1) * p[:-1])
    # S(t) = 1 - sum_{k <= t} P(T = k), S(0) = 1, r(t) = S(t) / S(t - 1).
    np.testing.assert_allclose(s, 1 - np.cumsum(p), atol=1e-12)
    assert sbg.survival(0, alpha, beta) == pytest.approx(1.0)
    s0 = sbg.survival(t - 1, alpha, beta)
    np.testing.assert_allclose(sbg.retention_rate(t, alpha, beta), s / s0)
    # Retention rates rise with tenure (the sorting effect of heterogeneity).
    assert np.all(np.diff(sbg.retention_rate(t, alpha, beta)) > 0)
    assert sbg.churn_probability(0, alpha, beta) == 0.0


# ------------------------------------------------------------------ (b) DERL


@pytest.mark.parametrize(
    ("d", "alpha", "beta", "n"),
    [
        (0.10, 0.668, 3.806, 0),
        (0.10, 0.704, 1.182, 4),
        (0.10, 0.668, 3.806, 7),
        ((1.1 ** (1 / 12)) - 1, 0.5, 2.0, 0),
        ((1.1 ** (1 / 12)) - 1, 1.3, 25.0, 30),
        (0.25, 3.0, 0.5, 2),
    ],
)
def test_derl_closed_form_equals_the_direct_sum(d, alpha, beta, n):
    assert float(sbg.derl(d, alpha, beta, n)) == pytest.approx(
        sbg.derl_by_sum(d, alpha, beta, n), rel=1e-9
    )


def test_derl_high_end_survivors_after_seven_renewals():
    # Residual lifetime of the high-end survivors at year 7, d = 10%: 7.530 (the value quoted
    # by the independent implementation jdmaturen/shifted_beta_geometric_py for this example).
    fit = sbg.fit_sbg(*sbg.cohort_to_lifetimes(HIGH_END))
    assert float(sbg.derl(0.10, fit.alpha, fit.beta, 7)) == pytest.approx(7.530, abs=5e-4)


@pytest.mark.parametrize(("theta", "d"), [(0.2, 0.1), (0.05, 0.008), (0.5, 0.25)])
def test_derl_homogeneous_limit(theta, d):
    # alpha, beta -> infinity with alpha / (alpha + beta) = theta: every customer churns with
    # probability theta, DERL = sum_k (1 - theta)^k / (1 + d)^(k - 1)
    #                       = (1 - theta)(1 + d) / (d + theta).
    expected = (1 - theta) * (1 + d) / (d + theta)
    k = 1e5
    assert float(sbg.derl(d, theta * k, (1 - theta) * k, 3)) == pytest.approx(expected, rel=1e-3)
    # Very large parameters (scipy's 2F1 returns NaN there) fall back on the direct sum.
    k = 1e9
    assert float(sbg.derl(d, theta * k, (1 - theta) * k, 3)) == pytest.approx(expected, rel=1e-6)


def test_derl_grows_with_tenure_and_falls_with_the_discount_rate():
    values = sbg.derl(0.1, 0.704, 1.182, np.arange(10))
    assert np.all(np.diff(values) > 0)
    assert sbg.derl(0.2, 0.704, 1.182, 3) < sbg.derl(0.1, 0.704, 1.182, 3)
    with pytest.raises(ValueError):
        sbg.derl(0.0, 1.0, 1.0, 0)


def test_period_discount_rate():
    assert sbg.period_discount_rate(0.10, "year") == pytest.approx(0.10)
    monthly = sbg.period_discount_rate(0.10, "month")
    assert (1 + monthly) ** 12 == pytest.approx(1.10)
    with pytest.raises(ValueError, match="unknown billing interval"):
        sbg.period_discount_rate(0.10, "week")


# ------------------------------------------------------------------ (c) parameter recovery


def _simulate(alpha, beta, size, max_observed, seed):
    """Churn probabilities from Beta(alpha, beta), geometric lifetimes T >= 1, each customer
    observed for a random number of renewal decisions (staggered acquisition): right-censored
    when still active at the end of the observation."""
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, size)
    lifetime = rng.geometric(theta)  # P(T = t) = (1 - theta)^(t - 1) theta, t = 1, 2, ...
    observed = rng.integers(1, max_observed + 1, size)  # renewal decisions observed
    churned = lifetime <= observed
    renewals = np.where(churned, lifetime - 1, observed)
    return renewals, churned


@pytest.mark.parametrize(
    ("alpha", "beta", "max_observed", "seed"),
    [(0.7, 1.2, 24, 1), (1.5, 6.0, 36, 2), (3.0, 20.0, 36, 3), (0.4, 3.0, 12, 4)],
)
def test_parameter_recovery_on_simulated_cohorts(alpha, beta, max_observed, seed):
    renewals, churned = _simulate(alpha, beta, 20_000, max_observed, seed)
    fit = sbg.fit_sbg(renewals, churned)
    assert fit.converged
    assert fit.sample_size == 20_000
    assert fit.alpha == pytest.approx(alpha, rel=0.15)
    assert fit.beta == pytest.approx(beta, rel=0.20)
    # The quantity that drives value is recovered much more tightly than (alpha, beta).
    assert fit.mean_churn_probability == pytest.approx(alpha / (alpha + beta), rel=0.05)
    # Better than the true parameters can never be worse: it is the maximum.
    assert fit.log_likelihood >= sbg.log_likelihood(alpha, beta, renewals, churned) - 1e-6


def test_fit_is_deterministic():
    renewals, churned = _simulate(1.0, 4.0, 2000, 24, 7)
    assert sbg.fit_sbg(renewals, churned) == sbg.fit_sbg(renewals, churned)


# ------------------------------------------------------------------ (d) censoring and errors


def test_all_censored_is_flagged_not_converged_without_crashing():
    fit = sbg.fit_sbg([0, 3, 5, 12, 2, 7], [False] * 6)
    assert not fit.converged
    assert fit.n_churned == 0 and fit.n_censored == 6
    assert "no churned lifetime" in fit.message
    # No churn observed: the fit runs to vanishing churn (alpha / (alpha + beta) -> 0).
    assert fit.mean_churn_probability < 1e-3
    assert np.isfinite(fit.log_likelihood) and fit.log_likelihood <= 0


def test_everyone_churning_at_once_is_flagged():
    fit = sbg.fit_sbg([0] * 10, [True] * 10)
    assert not fit.converged
    assert "first renewal" in fit.message
    assert fit.mean_churn_probability > 0.999


def test_heavy_censoring_still_fits():
    # Mostly censored, a few churns: a valid, converged fit with a small churn probability.
    renewals, churned = _simulate(0.5, 8.0, 3000, 6, 11)
    assert churned.mean() < 0.2
    fit = sbg.fit_sbg(renewals, churned)
    assert fit.converged
    assert fit.mean_churn_probability == pytest.approx(0.5 / 8.5, rel=0.15)


def test_homogeneous_limit_is_reported_and_usable():
    # Little heterogeneity and short observation: the likelihood keeps rising towards
    # alpha, beta -> infinity (a single churn probability for everybody). The fit says so,
    # stays usable (DERL falls back on the direct sum) and recovers the mean churn probability.
    renewals, churned = _simulate(2.0, 30.0, 3000, 6, 11)
    fit = sbg.fit_sbg(renewals, churned)
    assert fit.converged
    assert "homogeneous limit" in fit.message
    assert fit.alpha + fit.beta == pytest.approx(sbg.HOMOGENEOUS_SCALE)
    theta = fit.mean_churn_probability
    assert theta == pytest.approx(2.0 / 32.0, rel=0.15)
    value = float(sbg.derl(0.1, fit.alpha, fit.beta, 2))
    assert value == pytest.approx((1 - theta) * 1.1 / (0.1 + theta), rel=1e-3)


def test_tiny_samples_raise_a_clear_error():
    with pytest.raises(sbg.InsufficientDataError, match="at least 2 lifetimes, got 1"):
        sbg.fit_sbg([3], [True])
    with pytest.raises(sbg.InsufficientDataError, match="at least 30 lifetimes, got 5"):
        sbg.fit_sbg([1, 2, 3, 4, 5], [True, False, True, False, True], min_sample_size=30)
    with pytest.raises(sbg.InsufficientDataError):
        sbg.fit_sbg([], [])


@pytest.mark.parametrize(
    ("renewals", "churned", "weights"),
    [
        ([1, -1], [True, False], None),
        ([1.5, 2], [True, False], None),
        ([1, 2], [True], None),
        ([1, 2], [True, False], [1, -1]),
    ],
)
def test_invalid_inputs_raise(renewals, churned, weights):
    with pytest.raises(ValueError):
        sbg.fit_sbg(renewals, churned, weights)


@pytest.mark.parametrize(("d", "alpha", "beta"), [(0.1, 0.704, 1.182), (0.008, 1.5, 20.0)])
def test_discounted_expected_lifetime_is_the_discounted_survival_sum(d, alpha, beta):
    t = np.arange(0, 20_000)
    expected = float(np.sum(sbg.survival(t, alpha, beta) * np.exp(-t * np.log1p(d))))
    assert sbg.discounted_expected_lifetime(d, alpha, beta) == pytest.approx(expected, rel=1e-8)
