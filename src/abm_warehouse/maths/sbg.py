"""Shifted-beta-geometric (sBG) model of contractual retention, and the customer value it implies.

The maths behind the LTV marts (``kpi_ltv_sbg_fits``, ``kpi_ltv_survival_curve``,
``fct_account_ltv``); the dbt Python models only move data in and out of these functions.

Model (Fader & Hardie 2007, "How to Project Customer Retention", Journal of Interactive
Marketing 21(1), 76-90). A customer renews at the end of each period (a month or a year of
a subscription) until she churns. While she is a customer, she churns at the end of a period
with a constant probability theta (a geometric lifetime); theta varies across customers as
Beta(alpha, beta). ``T`` is the period at whose end the customer churns (T >= 1: the first
period is always paid). Then, with B the beta function:

* churn probability      P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta),  t = 1, 2, ...
                         (recursively P(T = 1) = alpha / (alpha + beta),
                          P(T = t) = (beta + t - 2) / (alpha + beta + t - 1) * P(T = t - 1));
* survival               S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta),  S(0) = 1;
* retention rate         r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1),
                         which rises with t: the customers who churn easily leave first.

Data. One observation per subscription lifetime, described by its completed renewals ``n``
(renewal decisions survived) and whether it has churned:

* a churned lifetime with ``n`` renewals ended at the end of period n + 1: it contributes
  log P(T = n + 1);
* a lifetime still active at the as-of date (right-censored) has survived ``n`` renewals and
  its churn period is unknown: it contributes log S(n).

The log-likelihood is LL(alpha, beta) = sum of these terms (optionally weighted by counts). The
maximum-likelihood estimate is found over (log alpha, log beta) with L-BFGS-B and the analytic
gradient (d/da log B(a, b) = psi(a) - psi(a + b), d/db log B(a, b) = psi(b) - psi(a + b)),
started from the best point of a coarse grid.

Value (Fader & Hardie 2010, "Customer-Base Valuation in a Contractual Setting: The Perils of
Ignoring Heterogeneity", Marketing Science 29(1), 85-93). Just before her (n + 1)-th renewal
decision (that is, with n renewals made and the current period paid), the discounted expected
residual lifetime of a customer is

    DERL(d | alpha, beta, n renewals)
        = sum_{t > n} S(t) / S(n) / (1 + d)^(t - n - 1)
        = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + d))

(the paper's equation with "n - 1 renewals" written for n renewals), with d the discount rate
per period and 2F1 the Gaussian hypergeometric function. It counts the future payments,
each made at the start of its period: the first one (the next renewal) is undiscounted,
as in the paper. Residual value = (payment per period) x DERL. For a homogeneous population
(theta fixed) it reduces to (1 - theta)(1 + d) / (d + theta).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, hyp2f1

# Search box of the optimiser, on the log scale: alpha and beta in [e^-9, e^12] ~ [1.2e-4, 1.6e5].
# A fit that ends on the box is reported as not converged (the likelihood has no interior
# maximum, e.g. when no lifetime has churned).
LOG_BOUNDS = (-9.0, 12.0)
_GRID = np.linspace(-3.0, 6.0, 19)
MIN_SAMPLE_SIZE = 2
# alpha + beta of a fit at the homogeneous limit (the geometric model, see fit_sbg).
HOMOGENEOUS_SCALE = 1e6


class InsufficientDataError(ValueError):
    """Too few lifetimes to fit the model."""


@dataclass(frozen=True)
class SBGFit:
    """A maximum-likelihood fit of the sBG model."""

    alpha: float
    beta: float
    log_likelihood: float
    sample_size: int
    n_churned: int
    n_censored: int
    converged: bool
    message: str

    @property
    def mean_churn_probability(self) -> float:
        """E[theta] = alpha / (alpha + beta): the expected churn probability of a new customer."""
        return self.alpha / (self.alpha + self.beta)


# ------------------------------------------------------------------------------ distribution


def churn_probability(t, alpha: float, beta: float):
    """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta) for t >= 1 (0 for t < 1)."""
    t = np.asarray(t, dtype=float)
    out = np.exp(betaln(alpha + 1.0, beta + np.maximum(t, 1.0) - 1.0) - betaln(alpha, beta))
    return np.where(t >= 1, out, 0.0)


def survival(t, alpha: float, beta: float):
    """S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta) for t >= 0; S(0) = 1."""
    t = np.asarray(t, dtype=float)
    return np.exp(betaln(alpha, beta + np.maximum(t, 0.0)) - betaln(alpha, beta))


def retention_rate(t, alpha: float, beta: float):
    """r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1) for t >= 1."""
    t = np.asarray(t, dtype=float)
    return (beta + t - 1.0) / (alpha + beta + t - 1.0)


def survival_curve(alpha: float, beta: float, periods: int) -> np.ndarray:
    """Projected survival S(0..periods): share of a new cohort still a customer after t periods."""
    if periods < 0:
        raise ValueError("periods must be >= 0")
    return survival(np.arange(periods + 1), alpha, beta)


# ------------------------------------------------------------------------------ likelihood


def _prepare(renewals, churned, weights=None):
    renewals = np.asarray(renewals, dtype=float).ravel()
    churned = np.asarray(churned, dtype=bool).ravel()
    if renewals.shape != churned.shape:
        raise ValueError("renewals and churned must have the same length")
    weights = (
        np.ones_like(renewals) if weights is None else np.asarray(weights, dtype=float).ravel()
    )
    if weights.shape != renewals.shape:
        raise ValueError("weights must have the length of renewals")
    if np.any(~np.isfinite(renewals)) or np.any(renewals < 0) or np.any(renewals % 1 != 0):
        raise ValueError("renewals must be non-negative integers")
    if np.any(weights < 0):
        raise ValueError("weights must be non-negative")
    keep = weights > 0
    return renewals[keep], churned[keep], weights[keep]


def log_likelihood(alpha: float, beta: float, renewals, churned, weights=None) -> float:
    """LL = sum_churned w log P(T = n + 1) + sum_censored w log S(n), n = completed renewals."""
    n, c, w = _prepare(renewals, churned, weights)
    return float(_log_likelihood_and_gradient(np.log([alpha, beta]), n, c, w)[0])


def _log_likelihood_and_gradient(log_params, n, churned, w):
    a, b = np.exp(log_params)
    # churned: log B(a + 1, b + n) - log B(a, b); censored: log B(a, b + n) - log B(a, b)
    a_term = np.where(churned, a + 1.0, a)
    ll = np.sum(w * (betaln(a_term, b + n))) - np.sum(w) * betaln(a, b)
    psi_ab = digamma(a + b)
    d_a = np.sum(w * (digamma(a_term) - digamma(a_term + b + n))) - np.sum(w) * (
        digamma(a) - psi_ab
    )
    d_b = np.sum(w * (digamma(b + n) - digamma(a_term + b + n))) - np.sum(w) * (digamma(b) - psi_ab)
    return ll, np.array([d_a * a, d_b * b])


def fit_sbg(renewals, churned, weights=None, min_sample_size: int = MIN_SAMPLE_SIZE) -> SBGFit:
    """Maximum-likelihood (alpha, beta) from lifetimes with right-censoring.

    ``renewals[i]``: completed renewals of lifetime i; ``churned[i]``: True when it has ended,
    False when still active at the as-of date (censored); ``weights[i]``: how many lifetimes the
    row stands for (default 1 each; the sample size is the sum of weights).

    Raises InsufficientDataError when the sample is smaller than ``min_sample_size``.
    Without any churned lifetime, or when every lifetime churns at its first renewal, the
    likelihood has no interior maximum: the returned fit sits on the search box (beta or alpha
    very large) with ``converged=False`` and a message saying why; do not project with it.
    """
    n, c, w = _prepare(renewals, churned, weights)
    sample_size = int(round(w.sum()))
    if sample_size < max(min_sample_size, 1):
        raise InsufficientDataError(
            f"sBG fit needs at least {max(min_sample_size, 1)} lifetimes, got {sample_size}"
        )
    n_churned = int(round(w[c].sum()))
    n_censored = sample_size - n_churned
    # Aggregate to one row per (renewals, churned): the likelihood only needs the counts.
    keys, inverse = np.unique(np.column_stack([n, c]), axis=0, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=w)
    n, c = keys[:, 0], keys[:, 1].astype(bool)

    def objective(x):
        ll, grad = _log_likelihood_and_gradient(x, n, c, w)
        return -ll, -grad

    # Robust start: the best point of a coarse grid of (log alpha, log beta).
    best, start = np.inf, np.array([0.0, 0.0])
    for la in _GRID:
        for lb in _GRID:
            value = objective(np.array([la, lb]))[0]
            if np.isfinite(value) and value < best:
                best, start = value, np.array([la, lb])
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[LOG_BOUNDS, LOG_BOUNDS],
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 1000},
    )
    alpha, beta = (float(v) for v in np.exp(result.x))
    log_lik = float(-result.fun)
    on_bound = any(np.isclose(v, bound, atol=1e-3) for v in result.x for bound in LOG_BOUNDS)
    # L-BFGS-B may stop on a failed line search at the optimum ("ABNORMAL"): accept a point
    # inside the box whose gradient (in log parameters) vanishes.
    stationary = bool(result.success) or float(np.max(np.abs(result.jac))) < 1e-3
    converged = stationary and not on_bound
    message = "maximum found" if converged else str(result.message)
    if n_churned == 0:
        converged = False
        message = "no churned lifetime: the likelihood grows without bound as beta grows"
    elif n_censored == 0 and np.all(n[c] == 0):
        converged = False
        message = "every lifetime churned at its first renewal: alpha grows without bound"
    else:
        # Homogeneous limit: when the data show no heterogeneity the likelihood rises along a
        # ridge towards alpha, beta -> infinity with alpha / (alpha + beta) fixed, whose limit
        # is the geometric model with the closed-form MLE
        # theta = churned / (sum over churned of (n + 1) + sum over censored of n).
        # When that limit is at least as likely as the point found, it is the maximum: report
        # it as alpha = theta * K, beta = (1 - theta) * K with K = HOMOGENEOUS_SCALE (the
        # geometric model to ~1e-6), a usable fit.
        exposure = float(np.sum(w * np.where(c, n + 1.0, n)))
        theta = n_churned / exposure
        geometric_ll = n_churned * np.log(theta) + (exposure - n_churned) * np.log1p(-theta)
        if geometric_ll >= log_lik - 1e-9 * max(1.0, abs(log_lik)):
            alpha, beta = theta * HOMOGENEOUS_SCALE, (1.0 - theta) * HOMOGENEOUS_SCALE
            log_lik = float(_log_likelihood_and_gradient(np.log([alpha, beta]), n, c, w)[0])
            converged = True
            message = (
                "homogeneous limit: no heterogeneity detected, a geometric model with churn "
                "probability alpha / (alpha + beta)"
            )
        elif on_bound:
            converged = False
            message = "the maximum lies on the search box: no interior maximum"
    return SBGFit(
        alpha=alpha,
        beta=beta,
        log_likelihood=log_lik,
        sample_size=sample_size,
        n_churned=n_churned,
        n_censored=n_censored,
        converged=converged,
        message=message,
    )


def cohort_to_lifetimes(survivors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(renewals, churned, weights) of one cohort from its survivor counts per period.

    ``survivors[0]`` is the cohort size, ``survivors[t]`` the customers still active after t
    renewals (the format of the 2007 paper). The last count is right-censored.
    """
    s = np.asarray(survivors, dtype=float)
    if s.ndim != 1 or len(s) < 2 or np.any(np.diff(s) > 0) or np.any(s < 0):
        raise ValueError("survivors must be a non-increasing sequence of counts, length >= 2")
    last = len(s) - 1
    renewals = np.concatenate([np.arange(last), [last]])
    churned = np.concatenate([np.ones(last, dtype=bool), [False]])
    weights = np.concatenate([s[:-1] - s[1:], [s[-1]]])
    return renewals, churned, weights


# ------------------------------------------------------------------------------ value


def period_discount_rate(annual_discount_rate: float, billing_interval: str) -> float:
    """Discount rate per billing period: (1 + annual)^(1/12) - 1 for months, annual for years."""
    if annual_discount_rate <= -1:
        raise ValueError("annual_discount_rate must be > -1")
    if billing_interval == "month":
        return (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0
    if billing_interval == "year":
        return float(annual_discount_rate)
    raise ValueError(f"unknown billing interval {billing_interval!r} (month or year)")


def derl(d: float, alpha: float, beta: float, renewals):
    """Discounted expected residual lifetime DERL(d | alpha, beta, n renewals made).

    = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + d)):
    the expected number of future paid periods of a customer who has made ``renewals`` = n
    renewals (her current period is paid), each discounted at ``d`` per period, the next one
    undiscounted. Requires d > 0 (the series converges for d > 0 whatever alpha, beta).
    """
    if not d > 0:
        raise ValueError("the discount rate per period must be > 0")
    n = np.asarray(renewals, dtype=float)
    if np.any(n < 0):
        raise ValueError("renewals must be >= 0")
    value = (
        (beta + n)
        / (alpha + beta + n)
        * hyp2f1(1.0, beta + n + 1.0, alpha + beta + n + 1.0, 1.0 / (1.0 + d))
    )
    if np.all(np.isfinite(value)):
        return value
    # scipy's 2F1 can fail (NaN) for very large parameters (a fit at the homogeneous limit):
    # the direct sum is exact there and converges fast.
    by_sum = np.vectorize(lambda k: derl_by_sum(d, alpha, beta, int(k)), otypes=[float])
    return np.where(np.isfinite(value), value, by_sum(n))


def discounted_expected_lifetime(d: float, alpha: float, beta: float) -> float:
    """DEL(d | alpha, beta) = sum_{t >= 1} S(t - 1) / (1 + d)^(t - 1) = 1 + DERL(d | 0) / (1 + d).

    The expected discounted number of paid periods of a customer at acquisition (the first
    period, paid at once, undiscounted): Fader & Hardie (2010), expected lifetime value / payment.
    """
    return float(1.0 + derl(d, alpha, beta, 0) / (1.0 + d))


def derl_by_sum(
    d: float, alpha: float, beta: float, renewals: int, tol: float = 1e-12, max_terms: int = 10**7
) -> float:
    """DERL by the direct sum sum_{k >= 1} S(n + k) / S(n) / (1 + d)^(k - 1), truncated at ``tol``.

    A check of :func:`derl`; terms are accumulated with the retention rates
    r(t) = (beta + t - 1) / (alpha + beta + t - 1) to stay exact for large n.
    """
    if not d > 0:
        raise ValueError("the discount rate per period must be > 0")
    total, term, t = 0.0, 1.0, renewals
    for k in range(1, max_terms + 1):
        t += 1
        term *= (beta + t - 1.0) / (alpha + beta + t - 1.0)  # S(n + k) / S(n)
        discounted = term / (1.0 + d) ** (k - 1)
        total += discounted
        if discounted < tol * max(total, 1.0):
            return total
    raise RuntimeError("direct DERL sum did not converge")
