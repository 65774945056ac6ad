r"""MATH.md §3.1: the generalised Rayleigh-quotient lemma, checked on solver traces.

The identities behind it (the closed-form step, the eigensolver form, the pencil eigenvalues) are
derived in :mod:`bntheory.symbolic.ols` and reported in the ``ols`` section; this section holds
the lemma's per-step bound evaluated on random pencils and on the OLS pencil ``(uuᵀ, S)``, with
their negative controls.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from bntheory import bounds
from bntheory.solvers.rayleigh import pencil_ascent

from . import _instances as I
from ._symbolic import section_checks
from .result import Outcome, check, json_number


@check("rayleigh.pencil-ratio", "MATH.md §3.1 (Knyazev & Neymeyr; Argentati et al. 2017)",
       r"\frac{\lambda_1-\tilde\rho(w^+)}{\tilde\rho(w^+)-\lambda_2} \le \sigma^2\,"
       r"\frac{\lambda_1-\tilde\rho(w)}{\tilde\rho(w)-\lambda_2},\quad "
       r"\sigma = 1-\frac{\mu}{L}\,\frac{\lambda_1-\lambda_2}{\lambda_1-\lambda_{\min}}",
       assumptions=("B = Bᵀ, A ≻ 0", "η = wᵀAw/(2L(ρ̃(w) − λ_min))", "λ₂ < ρ̃(w) < λ₁"))
def check_pencil_ratio(*, seed: int, fast: bool) -> Outcome:
    """The generalised Rayleigh lemma per step on random pencils (MATH.md §3.1).

    40 random pencils ``(B, A)`` (``fast``: 12), d ∈ {3, 5, 10}, ``B`` symmetric Gaussian, ``A`` SPD
    with condition number in ``[10^0.5, 10^2]``; 40 ascent steps from the top pencil eigenvector
    perturbed by 30 % noise (redrawn with half the noise until ``ρ̃(w₀) > λ₂``, the lemma's
    hypothesis).  At every step where ``λ₂ < ρ̃(w) < λ₁`` the ratio
    ``ε(w⁺)/(σ² ε(w))`` must be ≤ 1 (floor ``1e-7`` of the pencil's scale).  Measured: the largest
    per-step ratio (not tight on random pencils; the OLS tight case attains it, ``ols.rate.tight``).

    Negative control: the seed article's ``σ = 1 − (λ₁−λ₂)/(λ₁−λ_min)`` (without ``μ/L``) on the
    same runs must be violated (it is, on nearly every pencil).
    """
    n = 12 if fast else 40
    rows, checks, ctrl = [], [], []
    for k in range(n):
        gen = I.rng(seed, "rayleigh.pencil-ratio", k)
        d = int(gen.choice([3, 5, 10]))
        B, A = I.random_pencil(d, gen)
        lam, V = scipy.linalg.eigh(B, A)
        v = V[:, -1]
        for j in range(40):  # the lemma's hypothesis λ₂ < ρ̃(w₀): redraw (halving the noise) until it holds
            w0 = v + 0.3 * 0.5 ** j * np.linalg.norm(v) * gen.standard_normal(d)
            if float(w0 @ B @ w0) / float(w0 @ A @ w0) > lam[-2]:
                break
        r = pencil_ascent(B, A, w0, 40)
        c = bounds.pencil_ratio_bound(B, A, r).check()
        s = bounds.pencil_ratio_bound(B, A, r, seed=True).check()
        checks.append(c)
        ctrl.append(s)
        rows.append({"d": d, "sigma": json_number(bounds.pencil_sigma(B, A, r.L)),
                     "seed_sigma": json_number(bounds.pencil_sigma(B, A, r.L, seed=True)),
                     "max_ratio": json_number(c.max_ratio), "n_compared": int(c.n_compared),
                     "floor": json_number(c.floor), "seed_sigma_violated": not s.holds})
    return Outcome(
        measured=I.max_ratio(checks), bound=1.0, holds=all(c.holds and c.n_compared >= 1 for c in checks),
        method=f"pencil ascent, 40 steps, {n} random pencils",
        evidence={"instance": "B symmetric Gaussian, A SPD (cond. in [10^0.5, 10^2]), d in {3, 5, 10}; "
                              "w0 = top pencil eigenvector + 30% Gaussian noise",
                  "n_iter": 40, "floor": "1e-7 (|l1| + |l2|)/(l1 - l2)", "pencils": rows},
        controls=[I.control_from_checks("the seed's σ = 1 − (λ₁−λ₂)/(λ₁−λ_min) (factor μ/L dropped)", ctrl,
                                        [f"pencil {k}" for k in range(n)])])


@check("rayleigh.ols-ratio", "MATH.md §3.1 (the lemma for B = uu^T, A = S)",
       r"\frac{\rho(w_{t+1})-\rho^*}{|\rho(w_{t+1})|} \le (1-\mu/L)^2\,\frac{\rho(w_t)-\rho^*}{|\rho(w_t)|}",
       assumptions=("λ₁ = uᵀS⁻¹u, λ₂ = λ_min = 0, σ = 1 − μ/L",))
def check_ols_ratio(*, seed: int, fast: bool) -> Outcome:
    """The lemma's per-step form for OLS (MATH.md §3.1): the pencil ``(uuᵀ, S)`` gives ``σ = 1 − μ/L``.

    ``(ρ(w⁺) − ρ*)/|ρ(w⁺)| ≤ (1 − μ/L)² (ρ(w) − ρ*)/|ρ(w)|`` at every step, on the Rayleigh-GD runs
    of the ``ols.rate`` battery (d ∈ {2, 10, 50} × κ ∈ {1.5, 10, 1e3} × random/adversarial starts;
    ``fast``: d ∈ {2, 10}, κ ∈ {1.5, 1e3}), floor ``1e-7`` on the ratio ``ε``.  Measured: the largest
    per-step ratio (attained asymptotically when ``u`` is close to the top eigenvector).  Holds if
    the bound holds at every compared step and at least half of the runs have a step compared
    (a run can fall below the floor in one step at κ = 1.5).

    Negative control: the seed article's ``σ = 1 − (λ₁−λ₂)/(λ₁−λ_min) = 0`` (the factor ``μ/L``
    dropped: one step would solve the problem) must be violated.
    """
    rows, checks, ctrl, labels = [], [], [], []
    for d, kappa, kind, P, r in I.ols_battery_runs(seed, fast):
        c = bounds.ols_ratio_bound(P, r).check()
        checks.append(c)
        ctrl.append(bounds.ols_ratio_bound(P, r, seed=True).check())
        labels.append(I.ols_label(d, kappa, kind))
        rows.append({"d": d, "kappa": kappa, "start": kind, "max_ratio": json_number(c.max_ratio),
                     "n_compared": int(c.n_compared), "floor": json_number(c.floor)})
    informative = sum(c.n_compared >= 1 for c in checks)
    return Outcome(
        measured=I.max_ratio(checks), bound=1.0, holds=all(c.holds for c in checks) and 2 * informative >= len(checks),
        method=f"Rayleigh-GD (ols.rate battery), {len(rows)} instances, per step",
        evidence={"instance": "the runs of ols.rate", "n_iter": 400, "n_instances_compared": informative,
                  "instances": rows},
        controls=[I.control_from_checks("the seed's σ = 1 − (λ₁−λ₂)/(λ₁−λ_min) = 0 (factor μ/L dropped)", ctrl,
                                        labels)])


#: The numerical checks of the section, in report order.
NUMERICAL: list = [check_pencil_ratio, check_ols_ratio]


def checks(*, fast: bool = False, seed: int = 0, select=lambda _: True):
    """Yield the section's results (see :func:`proofs_check._symbolic.section_checks`)."""
    return section_checks(None, fast=fast, seed=seed, select=select, numerical=NUMERICAL)
