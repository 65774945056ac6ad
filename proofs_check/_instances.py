"""Instances, batteries and report helpers shared by the numerical checks of the catalog.

Every random object is drawn from :func:`rng` — a generator derived from the run's ``seed`` and a
fixed tag (a CRC-32 of a string, never Python's salted ``hash``), so one seed gives bit-identical
results in any process.  Problems come from :mod:`bntheory.problems`, runs from
:mod:`bntheory.solvers`, bounds from :mod:`bntheory.bounds`; this module only fixes the batteries
and turns :class:`~bntheory.rates.RateCheck` objects into JSON-able evidence.
"""

from __future__ import annotations

import itertools
import math
import zlib
from functools import lru_cache

import numpy as np

from bntheory.losses import LOGISTIC
from bntheory.problems import GaussianHalfspace, OneHiddenLayer, random_problem, random_spd
from bntheory.rates import RateCheck

from .result import ControlResult, json_number

__all__ = [
    "rng", "rate_summary", "max_ratio", "control_from_checks", "ols_battery", "ols_battery_runs",
    "ols_label", "ols_instance", "start",
    "halfspace", "random_pencil", "rel_dev", "halfspace_theorem_runs", "network_instance",
]


# --------------------------------------------------------------------------- randomness and evidence
def rng(seed: int, tag: str, *more: int) -> np.random.Generator:
    """A generator for ``(seed, tag, *more)``: independent streams per check, reproducible across processes."""
    return np.random.default_rng([int(seed) % 2**32, zlib.crc32(tag.encode()), *(int(m) for m in more)])


def rate_summary(c: RateCheck) -> dict:
    """The JSON-able figures of one :class:`~bntheory.rates.RateCheck` (floor stated, MATH.md §9.1)."""
    fv = c.first_violation
    return {"holds": bool(c.holds), "max_ratio": json_number(c.max_ratio),
            "max_ratio_after_start": json_number(c.max_ratio_after_start), "n_compared": int(c.n_compared),
            "floor": json_number(c.floor), "floor_rule": str(c.floor_rule),
            "first_violation": None if fv is None else [int(fv[0]), json_number(fv[1]), json_number(fv[2])],
            "fitted_rate": json_number(c.fitted_rate), "bound_rate": json_number(c.bound_rate)}


def max_ratio(checks, *, after_start: bool = False) -> float:
    """Largest ``max_ratio`` over several checks (``nan`` entries, i.e. nothing compared, ignored);
    ``after_start``: over ``t ≥ 1`` only (at ``t = 0`` a rate bound is an equality)."""
    key = "max_ratio_after_start" if after_start else "max_ratio"
    vals = [getattr(c, key) for c in checks if not math.isnan(getattr(c, key))]
    return max(vals) if vals else math.nan


def control_from_checks(description: str, checks, labels=None) -> ControlResult:
    """A negative control run through the same checker: rejected when the wrong bound is violated on
    at least one instance (one counterexample refutes a claim); ``measured`` is its largest ratio."""
    checks = list(checks)
    labels = list(labels) if labels is not None else [str(i) for i in range(len(checks))]
    violated = [lab for lab, c in zip(labels, checks) if not c.holds]
    first = next((c for c in checks if not c.holds), None)
    detail = {"n_instances": len(checks), "n_violated": len(violated), "violated_on": violated,
              "first_violation": None if first is None else rate_summary(first)["first_violation"]}
    m = max_ratio(checks)
    return ControlResult.from_rejection(description, bool(violated), measured=m, bound=1.0, ratio=m,
                                        detail=detail)


# --------------------------------------------------------------------------- OLS (MATH.md §3, §9.3–9.4)
def ols_battery(fast: bool, kinds=("random", "adversarial")) -> list:
    """``(d, κ, start)``: d ∈ {2, 10, 50} × κ ∈ {1.5, 10, 1e3} × ``kinds`` (``fast``: d ∈ {2, 10},
    κ ∈ {1.5, 1e3}); ``kinds`` ⊆ {random, adversarial} (:func:`start`)."""
    ds, kappas = ([2, 10], [1.5, 1e3]) if fast else ([2, 10, 50], [1.5, 10.0, 1e3])
    return list(itertools.product(ds, kappas, list(kinds)))


@lru_cache(maxsize=4)
def ols_battery_runs(seed: int, fast: bool) -> tuple:
    """``(d, κ, start kind, problem, Rayleigh-GD run of 400 steps)`` over :func:`ols_battery`.

    Shared by ``ols.rate`` and ``rayleigh.ols-ratio`` (computed once per seed)."""
    from bntheory.solvers.rayleigh import rayleigh_gd

    out = []
    for k, (d, kappa, kind) in enumerate(ols_battery(fast)):
        gen = rng(seed, "ols.rate", k)
        P = ols_instance(d, kappa, gen)
        out.append((d, kappa, kind, P, rayleigh_gd(P, start(P.u, kind, gen), 400)))
    return tuple(out)


def ols_label(d: int, kappa: float, kind: str) -> str:
    """``"d=10 kappa=1000 random"``: an instance of the OLS battery in a report."""
    return f"d={d} kappa={kappa:g} {kind}"


def ols_instance(d: int, kappa: float, gen: np.random.Generator):
    """An :class:`~bntheory.problems.OLSProblem`: ``S`` with eigenvalues log-spaced in ``[1, κ]``, ``u`` random."""
    return random_problem("ols", d, kappa, gen, uSu=1.0)


def start(u, kind: str, gen: np.random.Generator) -> np.ndarray:
    """A random start, or the adversarial one of MATH.md §9.4: ``uᵀw₀ = 1e-6‖u‖`` with ``‖w₀‖ ≈ 1``."""
    u = np.asarray(u, dtype=float)
    w = gen.standard_normal(u.size)
    if kind == "adversarial":
        w -= (u @ w) / (u @ u) * u
        w = w / np.linalg.norm(w) + 1e-6 * u / np.linalg.norm(u)
    elif kind != "random":
        raise ValueError(f"start kind must be 'random' or 'adversarial', got {kind!r}")
    return w


def random_pencil(d: int, gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random pencil ``(B, A)``: ``B`` symmetric Gaussian, ``A`` SPD with condition number in ``[10^0.5, 10^2]``."""
    M = gen.standard_normal((d, d))
    A = random_spd(d, 10 ** gen.uniform(0.5, 2.0), gen)
    return 0.5 * (M + M.T), A


# --------------------------------------------------------------------------- halfspaces (MATH.md §4)
def halfspace(d: int, kappa: float, uSu: float, loss, gen: np.random.Generator) -> GaussianHalfspace:
    """A Gaussian halfspace with ``uᵀS⁻¹u = uSu`` and ``S`` **normalised to λ_max(S) = 1** (eigenvalues
    log-spaced in ``[1/κ, 1]``): the paper's length form is not scale-invariant, so the scale is stated."""
    P = random_problem("halfspace", d, kappa, gen, uSu=uSu, loss=loss)
    return GaussianHalfspace(P.S / kappa, P.u / math.sqrt(kappa), loss)


def rel_dev(W1, W2) -> float:
    """Largest relative deviation ``‖w¹_t − w²_t‖/‖w²_t‖`` between two stacks of iterates."""
    W1, W2 = np.atleast_2d(W1), np.atleast_2d(W2)
    return float(np.max(np.linalg.norm(W1 - W2, axis=1) / np.linalg.norm(W2, axis=1)))


#: The three model validities of the halfspace theorem's battery (MATH.md §4.1, assumption 4; §4.6).
THEOREM_USU = (0.3, 0.9, 0.99)


@lru_cache(maxsize=4)
def halfspace_theorem_runs(seed: int, fast: bool) -> tuple:
    """GDNP runs (logistic, d = 8, κ = 10, ``diagnostics=True``) at ``uᵀS⁻¹u`` ∈ {0.3, 0.9, 0.99}:
    ``(uSu, problem, run at T_s = 12, run at T_s = 40)`` each; ``T_d`` = 30 (``fast``: 20).

    Shared by ``halfspace.direction-bound`` and ``halfspace.theorem`` (computed once per seed).
    The ``T_s = 40`` run makes the length term negligible, so a wrong direction term cannot hide in it.
    """
    from bntheory.solvers.gdnp import gdnp

    T_d = 20 if fast else 30
    out = []
    for k, uSu in enumerate(THEOREM_USU):
        gen = rng(seed, "halfspace.theorem", k)
        P = halfspace(8, 10.0, uSu, LOGISTIC, gen)
        w0 = gen.standard_normal(8)
        out.append((uSu, P, gdnp(P, w0, T_d, 12), gdnp(P, w0, T_d, 40)))
    return tuple(out)


# --------------------------------------------------------------------------- network (MATH.md §6)
def network_instance(seed: int) -> tuple:
    """``(net, W0)``: two tanh units (θ = (1, 0.5)), logistic outer loss, d = 3, κ = 4, ``uᵀS⁻¹u = 0.5``."""
    gen = rng(seed, "network")
    S = random_spd(3, 4.0, gen)
    v = gen.standard_normal(3)
    u = v * math.sqrt(0.5 / float(v @ np.linalg.solve(S, v)))
    return OneHiddenLayer(S, u, [1.0, 0.5], LOGISTIC, n_gl=8, max_panels=30), gen.standard_normal((2, 3))
