r"""Claims on gradients through BN: the Jacobian, the backward pass, decoupling, smoothness, explosion.

Each claim is encoded as its article prints it and decided against the toolkit:

- article B's *Gradient Flow Stabilization* and *Parameter Decoupling* statements against the exact
  BN transform at :math:`\varepsilon = 0` (MATH.md §1.3: the Jacobian
  :math:`\partial y/\partial x = (\gamma/\sigma_B)(I - 11^\top/m - \hat x\hat x^\top/m)`, computed
  column by column with the verified :func:`bntheory.batchnorm.batchnorm_backward`; MATH.md §2: BN
  normalises each feature over the batch and is invariant under :math:`W \to cW`, :math:`c > 0`);
- Santurkar et al.'s bounds, as both articles print them, on the one-layer batteries of
  :mod:`bntheory.smoothness` / :mod:`proofs_check.smoothness` (MATH.md §8);
- Yang et al.'s gradient explosion on the random deep networks of :mod:`bntheory.explosion`, with
  the measurements of :mod:`proofs_check.explosion` (MATH.md §8).

Every numerical decision states its tolerance and reports the battery's size, its largest ratio
and, for a refutation, the first (smallest) failing instance with both sides' values.
"""

from __future__ import annotations

import math
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import sympy as sp

from bntheory import explosion
from bntheory import smoothness as sm
from bntheory.batchnorm import batchnorm_backward, batchnorm_forward
from bntheory.scale_invariance import bn_layer
from bntheory.symbolic.verify import verify_identity
from proofs_check import explosion as xc
from proofs_check import smoothness as sc

from .core import Counterexample, Finding, claim, literal_reading

#: Singular values are "clustered around" their predicted values when every ``|s_i − p_i|`` is at
#: most this fraction of the spectrum's scale ``max(max p, max s)`` (a factor-of-two band for 1).
_BAND = 0.5
#: A measured singular value below ``_FLOOR · max s`` is zero (float64 rounding of an exact zero).
_FLOOR = 1e-10
#: "≈" of a gradient: ``‖approx − exact‖ ≤ _APPROX · (|γ|/σ_B)‖δ‖`` on every upstream ``δ``.
_APPROX = 0.1
#: Batch standard deviations of the batteries (far from 1 on both sides, and 1 itself).
_SIGMAS = (0.1, 1.0, 10.0)


def _sizes(fast: bool) -> tuple[int, ...]:
    """Batch sizes of the BN batteries (the fast setting keeps two)."""
    return (4, 16) if fast else (4, 8, 32)


def _bn_batch(rng: np.random.Generator, m: int, sigma: float) -> np.ndarray:
    """A batch of ``m`` values with batch standard deviation exactly ``sigma`` (divisor ``m``)."""
    z = rng.normal(size=m)
    return rng.normal() + sigma * (z - z.mean()) / z.std()


def _random_gamma(rng: np.random.Generator) -> float:
    """A scale ``γ`` of either sign with ``|γ| ∈ [1/2, 2]``."""
    return float(rng.choice((-1.0, 1.0)) * rng.uniform(0.5, 2.0))


def _battery(fast: bool, seed: int):
    """``(m, σ_B, γ, x)`` for every batch size and standard deviation of the battery."""
    rng = np.random.default_rng(seed)
    return [(m, s, _random_gamma(rng), _bn_batch(rng, m, s)) for m in _sizes(fast) for s in _SIGMAS]


def _bn_jacobian(x: np.ndarray, gamma: float) -> np.ndarray:
    r"""The exact Jacobian :math:`J_{bk} = \partial y_b/\partial x_k` of one BN feature at ``ε = 0``.

    The batch is copied into ``m`` identical features and :func:`batchnorm_backward` is fed the
    upstream gradients ``e_1, …, e_m`` at once: column ``b`` of the result is ``Jᵀe_b``.
    """
    m = x.size
    _, cache = batchnorm_forward(np.tile(x[:, None], (1, m)), np.full(m, gamma), np.zeros(m), eps=0.0)
    dx, _, _ = batchnorm_backward(np.eye(m), cache)
    return dx.T


def _spectrum_deviation(measured: np.ndarray, predicted: np.ndarray) -> float:
    """``max_i |s_i − p_i|`` (both sorted decreasingly) over the scale ``max(max p, max s)``."""
    s, p = np.sort(measured)[::-1], np.sort(predicted)[::-1]
    return float(np.max(np.abs(s - p)) / max(p.max(initial=0.0), s.max()))


def _battery_reading(name: str, rows: list[dict], key: str, tol: float, instance: tuple, sides: tuple, note: str,
                     **evidence):
    """One reading decided on a battery: it holds when every ``row[key] ≤ tol``.

    The evidence gives the battery's size, its largest ``row[key]`` and the ratio of that to
    ``tol`` (``max_ratio``, unless ``evidence`` gives another); the counterexample is the first
    failing row (the batteries run from the smallest instance up), with its ``instance`` keys, its
    ``sides`` keys and ``row[key]``, and ``note`` formatted with the row.
    """
    worst = max(row[key] for row in rows)
    fail = next((row for row in rows if row[key] > tol), None)
    cex = None if fail is None else Counterexample({k: fail[k] for k in instance},
                                                   {**{k: fail[k] for k in sides}, key: fail[key]},
                                                   note.format(value=fail[key], tol=tol))
    return literal_reading(name, fail is None, {"n_instances": len(rows), f"max_{key}": worst,
                                                "max_ratio": worst / tol, "tolerance": tol, **evidence}, cex)



@claim("B-jacobian", "B", "Gradient Flow Stabilization",
       r"\text{the effective Jacobian of a batch-normalized layer tends to have singular values clustered around 1}",
       stated=lambda gamma, sigma, m: np.ones(m),
       variants=(lambda gamma, sigma, m: np.r_[0.0, 0.0, np.full(m - 2, np.sqrt(gamma**2) / sigma)],  # reordered
                 lambda gamma, sigma, m: np.r_[np.full(m - 1, abs(gamma) / sigma), 0.0]),  # only the mean removed
       corrected=(r"\text{singular values of }\partial y/\partial x:\ |\gamma|/\sigma_B\ (m-2\text{ times}),\ 0\ (\text{twice})"
                  r"\quad(\epsilon=0)",
                  lambda gamma, sigma, m: np.r_[np.full(m - 2, abs(gamma) / sigma), 0.0, 0.0]))
def b_jacobian(stated, *, fast: bool, seed: int):
    r"""Singular values of the BN Jacobian against the stated spectrum (article B, *Gradient Flow
    Stabilization*; MATH.md §1.3).

    ``stated(γ, σ_B, m)`` is the predicted multiset of the ``m`` singular values of
    :math:`\partial y/\partial x` (the article: all ``1``).  On batches of sizes ``m`` with
    ``σ_B ∈ {0.1, 1, 10}`` and ``|γ| ∈ [1/2, 2]`` of either sign, the exact Jacobian at ``ε = 0``
    (:func:`_bn_jacobian`) is decomposed (SVD) and compared with the prediction: "clustered around"
    means every ``|s_i − p_i| ≤ 0.5 · max(max p, max s)``.  Readings: all ``m`` singular values
    (literal), and only the non-zero ones (measured above ``1e-10 · max s``, compared with the
    largest predicted values).
    """
    rows = []
    for m, sigma, gamma, x in _battery(fast, seed):
        s = np.linalg.svd(_bn_jacobian(x, gamma), compute_uv=False)
        p = np.asarray(stated(gamma, sigma, m), dtype=float)
        k = int(np.sum(s > _FLOOR * s.max()))
        rows.append({"m": m, "sigma_B": sigma, "gamma": gamma, "x": x.tolist(), "singular_values": s.tolist(),
                     "predicted": np.sort(p)[::-1].tolist(), "deviation": _spectrum_deviation(s, p),
                     "nonzero_deviation": _spectrum_deviation(s[:k], np.sort(p)[::-1][:k])})
    note = "a singular value lies {value:.3g} (> {tol}) of the spectrum's scale from its predicted value"
    return Finding.from_readings(
        [_battery_reading(name, rows, key, _BAND, ("m", "sigma_B", "gamma", "x"), ("singular_values", "predicted"),
                          note, floor=_FLOOR)
         for name, key in (("all m singular values (as printed)", "deviation"),
                           ("the non-zero singular values only", "nonzero_deviation"))],
        f"SVD of the exact BN Jacobian at ε = 0 (batchnorm_backward on e_1..e_m), {len(rows)} batches; "
        f"clustered = every |s_i − p_i| ≤ {_BAND}·max(p, s); zero below {_FLOOR:g}·max s")


def _upstream(rng: np.random.Generator, xhat: np.ndarray, n_random: int):
    """Upstream gradients ``δ``: the constant ``1``, ``x̂`` itself, and ``n_random`` Gaussian vectors."""
    return [("ones", np.ones(xhat.size)), ("xhat", xhat)] + [("random", rng.normal(size=xhat.size))
                                                             for _ in range(n_random)]


@claim("B-grad-sigma", "B", "Gradient Flow Stabilization",
       r"\frac{\partial L}{\partial x}\approx\left(\frac{\partial L}{\partial y}\right)\cdot"
       r"\left(\frac{\partial y}{\partial x}\right)/\sigma",
       stated=lambda b: b.dy_dx.T @ b.dL_dy / b.sigma,
       variants=(lambda b: b.gamma / (b.m * b.sigma) * (b.m * b.dL_dy - b.dL_dy.sum() - b.xhat * (b.dL_dy @ b.xhat)),
                 lambda b: b.gamma / b.sigma * (np.eye(b.m) - np.ones((b.m, b.m)) / b.m) @ b.dL_dy),  # dropped x̂x̂ᵀ/m
       corrected=(r"\frac{\partial L}{\partial x}=\frac{\gamma}{\sigma_B}\Big(I-\frac{1}{m}\mathbf 1\mathbf 1^\top"
                  r"-\frac{1}{m}\hat x\hat x^\top\Big)\frac{\partial L}{\partial y}\quad(\epsilon=0)",
                  lambda b: b.gamma / b.sigma * (np.eye(b.m) - np.ones((b.m, b.m)) / b.m
                                                 - np.outer(b.xhat, b.xhat) / b.m) @ b.dL_dy))
def b_grad_sigma(stated, *, fast: bool, seed: int):
    r"""The stated backward approximation against the exact backward (article B, *Gradient Flow
    Stabilization*; MATH.md §1.3).

    ``stated(b)`` is the approximation of :math:`\partial L/\partial x` from ``b.dL_dy`` (``δ``),
    ``b.dy_dx`` (the matrix the reading gives to :math:`\partial y/\partial x`), ``b.sigma``
    (``σ_B``), ``b.gamma``, ``b.xhat``, ``b.m``.  The exact gradient is
    :func:`bntheory.batchnorm.batchnorm_backward` at ``ε = 0``.  "≈" means
    ``‖approx − exact‖ ≤ 0.1 · (|γ|/σ_B)‖δ‖`` for every upstream ``δ`` of the battery (``δ = 1``,
    ``δ = x̂`` — both occur, e.g. ``δ = y = γx̂ + β`` for ``L = ‖y‖²/2`` — and Gaussian ``δ``).
    Readings of :math:`\partial y/\partial x`: the per-element factor ``γI`` (literal: the division
    by ``σ`` is the normalisation), the full BN Jacobian :math:`(\gamma/\sigma_B)\Pi`, and
    ``(γ/σ_B)I`` (batch statistics held constant).
    """
    rng = np.random.default_rng(seed)
    readings = {"∂y/∂x = γI, the per-element factor (as printed: /σ is the normalisation)":
                lambda g, s, J: g * np.eye(J.shape[0]),
                "∂y/∂x = the full BN Jacobian (γ/σ_B)(I − 11ᵀ/m − x̂x̂ᵀ/m)": lambda g, s, J: J,
                "∂y/∂x = (γ/σ_B)I, batch statistics held constant": lambda g, s, J: g / s * np.eye(J.shape[0])}
    rows = {name: [] for name in readings}
    for m, sigma, gamma, x in _battery(fast, seed):
        _, cache = batchnorm_forward(x[:, None], np.array([gamma]), np.zeros(1), eps=0.0)
        xhat, J = cache.x_hat[:, 0], _bn_jacobian(x, gamma)
        for kind, delta in _upstream(rng, xhat, 2 if fast else 4):
            exact = batchnorm_backward(delta[:, None], cache)[0][:, 0]
            scale = abs(gamma) / sigma * np.linalg.norm(delta)
            for name, dy_dx in readings.items():
                b = SimpleNamespace(dL_dy=delta, dy_dx=dy_dx(gamma, sigma, J), sigma=sigma, gamma=gamma, xhat=xhat, m=m)
                approx = np.asarray(stated(b), dtype=float)
                rows[name].append({"m": m, "sigma_B": sigma, "gamma": gamma, "x": x.tolist(), "delta": delta.tolist(),
                                   "delta_kind": kind, "approximation": approx.tolist(), "exact": exact.tolist(),
                                   "error": float(np.linalg.norm(approx - exact) / scale)})
    note = "relative error {value:.3g} > {tol} against the exact backward (γ/σ_B)(P − x̂x̂ᵀ/m)δ"
    return Finding.from_readings(
        [_battery_reading(name, r, "error", _APPROX, ("m", "sigma_B", "gamma", "x", "delta", "delta_kind"),
                          ("approximation", "exact"), note,
                          max_error_random_delta=max(row["error"] for row in r if row["delta_kind"] == "random"))
         for name, r in rows.items()],
        f"against the exact backward (batchnorm_backward, ε = 0) on {len(next(iter(rows.values())))} (batch, δ) "
        f"pairs; ≈ = relative error ‖approx − exact‖/((|γ|/σ_B)‖δ‖) ≤ {_APPROX}")


#: Readings of the norm in ``γWx/‖Wx‖`` (a function of ``Z = XWᵀ``, rows = samples) and in ``γ‖W‖``.
_ACTIVATION_NORMS = {
    "‖Wx‖ of each sample's vector Wx (as printed)": lambda Z: np.linalg.norm(Z, axis=1, keepdims=True),
    "‖·‖ of each feature over the batch": lambda Z: np.linalg.norm(Z, axis=0, keepdims=True),
}
_WEIGHT_NORMS = {
    "‖W‖ Frobenius (as printed)": lambda W: np.linalg.norm(W),
    "‖W‖ operator (spectral)": lambda W: np.linalg.norm(W, 2),
    "‖w_k‖, the unit's own row": lambda W: np.linalg.norm(W, axis=1),
}
#: Weight scalings ``W → cW`` at which the output scale is compared.
_SCALINGS = (1.0, 3.0)


def _decouple_battery(fast: bool, seed: int):
    """``(X, W, γ, β)``: batches with a non-zero mean, ``k = 3`` units of ``d = 5`` inputs, ``γ > 0``."""
    rng = np.random.default_rng(seed)
    out = []
    for n in ((8,) if fast else (8, 32)):
        for _ in range(2):
            X = rng.normal(size=(n, 5)) + rng.normal(scale=2.0, size=5)
            out.append((X, rng.normal(size=(3, 5)), rng.uniform(0.5, 2.0, size=3), rng.normal(size=3)))
    return out


def _map_part(name: str, mapping, norm, battery):
    """Part (a) under one norm reading: ``mapping(W, X, γ, β, norm)`` against ``BN(XWᵀ)``, relative
    error ``‖approx − BN‖_F/‖BN − β‖_F ≤ _APPROX`` on every instance."""
    rows = []
    for X, W, gamma, beta in battery:
        exact = bn_layer(X, W, gamma, beta)
        approx = np.asarray(mapping(W, X, gamma, beta, norm), dtype=float)
        rows.append({"X": X.tolist(), "W": W.tolist(), "gamma": gamma.tolist(), "beta": beta.tolist(),
                     "approximation": approx.tolist(), "bn": exact.tolist(),
                     "error": float(np.linalg.norm(approx - exact) / np.linalg.norm(exact - beta))})
    return _battery_reading(f"(a) BN(Wx) ≈ …, {name}", rows, "error", _APPROX, ("X", "W", "gamma", "beta"),
                            ("approximation", "bn"),
                            "relative error {value:.3g} > {tol} against BN(XWᵀ) (each feature normalised over the batch)")


def _scale_part(name: str, scale, norm, battery):
    """Part (b) under one norm reading: ``scale(γ, cW, norm)`` against the measured output scale (the
    batch standard deviation of each unit of ``BN(X(cW)ᵀ)``) at ``c ∈ {1, 3}``, relative error ≤ ``_APPROX``."""
    rows = []
    for X, W, gamma, beta in battery:
        claimed = [np.broadcast_to(np.asarray(scale(gamma, c * W, norm), dtype=float), gamma.shape) for c in _SCALINGS]
        measured = [bn_layer(X, c * W, gamma, beta).std(axis=0) for c in _SCALINGS]
        error = max(float(np.max(np.abs(a - b) / b)) for a, b in zip(claimed, measured))
        rows.append({"X": X.tolist(), "W": W.tolist(), "gamma": gamma.tolist(), "beta": beta.tolist(),
                     "c": list(_SCALINGS), "claimed_scale_per_c": [a.tolist() for a in claimed],
                     "measured_scale_per_c": [b.tolist() for b in measured], "error": error})
    return _battery_reading(f"(b) output scale, {name}", rows, "error", _APPROX, ("X", "W", "gamma", "beta", "c"),
                            ("claimed_scale_per_c", "measured_scale_per_c"),
                            "the output scale (batch std of each unit) under W → cW is off by a relative {value:.3g} > {tol}")


def _wSw(W, X) -> np.ndarray:
    """``w_kᵀ S_B w_k`` for every row of ``W``, ``S_B`` the biased batch covariance of the rows of ``X``."""
    return np.einsum("kd,de,ke->k", W, np.cov(X, rowvar=False, bias=True), W)


def _corrected_bn(W, X, gamma, beta, norm):
    r""":math:`\gamma_k(w_k^\top x - w_k^\top\mu_B)/\sqrt{w_k^\top S_B w_k} + \beta_k` (the norm is not used)."""
    return gamma * ((X - X.mean(axis=0)) @ W.T) / np.sqrt(_wSw(W, X)) + beta


@claim("B-decouple", "B", "Parameter Decoupling",
       r"\mathrm{BN}(Wx)\approx\gamma\left(\frac{Wx}{\|Wx\|}\right)+\beta;\ "
       r"\text{the effective output scale becomes }\gamma\cdot\|W\|",
       stated=(lambda W, X, gamma, beta, norm: gamma * (X @ W.T) / norm(X @ W.T) + beta,
               lambda gamma, W, norm: gamma * norm(W)),
       variants=((_corrected_bn, lambda gamma, W, norm: gamma * norm(W) / norm(W)),           # rewritten: true
                 (lambda W, X, gamma, beta, norm: gamma * (X @ W.T) / np.sqrt(_wSw(W, X)) + beta,  # μ_B dropped: false
                  lambda gamma, W, norm: gamma)),
       corrected=(r"\mathrm{BN}(Wx)_k=\gamma_k\frac{w_k^\top x-w_k^\top\mu_B}{\sqrt{w_k^\top S_B w_k}}+\beta_k;\ "
                  r"\text{the output scale is }\gamma_k\text{, invariant under }W\to cW,\ c>0\quad(\epsilon=0)",
                  (_corrected_bn, lambda gamma, W, norm: gamma)))
def b_decouple(stated, *, fast: bool, seed: int):
    r"""What BN computes on a linear layer, and its output scale (article B, *Parameter Decoupling*;
    MATH.md §1.1, §2: each unit normalised over the batch; invariance under ``W → cW``, ``c > 0``).

    ``stated = (mapping, scale)``.  (a) ``mapping(W, X, γ, β, norm)`` is compared with
    :func:`bntheory.scale_invariance.bn_layer` ``(X, W, γ, β)`` at ``ε = 0``: "≈" is a relative
    error ``≤ 0.1`` on every instance.  (b) ``scale(γ, cW, norm)`` is compared with the measured
    output scale (each unit's batch standard deviation) at ``c ∈ {1, 3}``, relative error ``≤ 0.1``.
    Readings: the norm in ``‖Wx‖`` (per sample as printed, or per feature over the batch) and in
    ``‖W‖`` (Frobenius as printed, operator, the unit's row).  The literal reading is both parts with
    the printed norms.
    """
    battery = _decouple_battery(fast, seed)
    mapping, scale = stated
    maps = [_map_part(n, mapping, f, battery) for n, f in _ACTIVATION_NORMS.items()]
    scales = [_scale_part(n, scale, f, battery) for n, f in _WEIGHT_NORMS.items()]
    (map_reading, map_cex), (scale_reading, scale_cex) = maps[0], scales[0]
    literal = literal_reading("as printed: (a) with ‖Wx‖ per sample and (b) with Frobenius ‖W‖",
                              map_reading.holds and scale_reading.holds,
                              {"a": map_reading.evidence, "b": scale_reading.evidence}, map_cex or scale_cex)
    n = len(battery)
    return Finding.from_readings(
        [literal, *maps, *scales],
        f"against bntheory.scale_invariance.bn_layer at ε = 0 on {n} batches, (b) each at c ∈ {list(_SCALINGS)}; "
        f"≈ = relative error ≤ {_APPROX}")


# --------------------------------------------------------------------------------------------
# Santurkar et al. (2018) as the articles print it: one BN layer, ε = 0 (MATH.md §8)
# --------------------------------------------------------------------------------------------


def _inequality_reading(name: str, rows: list[dict], tol: float, instance: tuple, note: str, *,
                        sides: tuple = ("lhs", "rhs"), **evidence):
    """One reading of a printed ``lhs ≤ rhs``: holds when every ``(lhs − rhs)/scale ≤ tol``.

    ``scale`` is the size of the terms that cancel in the true identity (float rounding is relative
    to it).  The evidence adds the largest ``lhs/rhs`` over rows with ``rhs > 0`` (``max_ratio``) and
    whether the two sides are *equal* on the whole battery (``|lhs − rhs| ≤ tol·scale``).
    """
    for row in rows:
        row["excess"] = (row["lhs"] - row["rhs"]) / row["scale"]
    ratios = [row["lhs"] / row["rhs"] for row in rows if row["rhs"] > 0]
    gaps_over_rhs = [abs(row["lhs"] - row["rhs"]) / row["rhs"] for row in rows if row["rhs"] > 0]
    return _battery_reading(
        name, rows, "excess", tol, instance, sides, note,
        max_ratio=max(ratios) if ratios else None, n_rhs_not_positive=len(rows) - len(ratios),
        equality=bool(max(abs(row["excess"]) for row in rows) <= tol),
        max_abs_gap_over_rhs=max(gaps_over_rhs) if gaps_over_rhs else None, **evidence)


@lru_cache(maxsize=4)
def _feature_pairs(fast: bool, seed: int) -> tuple:
    """``(label, p_i, p_j)``: two features ``i ≠ j`` of one BN layer at the same batch size, as
    :class:`bntheory.smoothness.BNPoint` (batteries of :func:`proofs_check.smoothness.battery`:
    ``m ∈ {3, 4, 8, 32, 128}``, logistic losses, ``σ(y) ∈ [0.1, 10]``, ``|γ| ∈ [0.3, 3]``)."""
    first = sc.battery(seed, "claims.smoothness.feature-i", fast)
    second = sc.battery(seed, "claims.smoothness.feature-j", fast)
    return tuple((label, sm.bn_point(*a), sm.bn_point(*b)) for (label, a), (_, b) in zip(first, second))


def _grad_rows(stated, pairs, sigma_j) -> list[dict]:
    r"""Both sides of a printed gradient bound for every pair ``(p_i, p_j)``.

    ``stated(q)`` returns ``(lhs, rhs)`` from ``q.grad_hat`` (:math:`\nabla_{y_i}\hat L`), ``q.grad``
    (:math:`\nabla_{y_i}L = g_i`), ``q.gamma``, ``q.m``, ``q.yhat_i``, ``q.sigma_i`` (feature ``i``'s
    batch std) and the printed ``j``'s ``q.yhat_j``, ``q.sigma_j = sigma_j(p_j)`` (the reading).
    """
    rows = []
    for label, p_i, p_j in pairs:
        q = SimpleNamespace(grad_hat=p_i.grad, grad=p_i.g, gamma=p_i.gamma, m=p_i.m, yhat_i=p_i.y_hat,
                            sigma_i=p_i.sigma, yhat_j=p_j.y_hat, sigma_j=sigma_j(p_j))
        lhs, rhs = (float(v) for v in stated(q))
        rows.append({"label": label, "y_i": p_i.y.tolist(), "gamma": p_i.gamma, "beta": p_i.beta,
                     "g_i": p_i.g.tolist(), "y_j": p_j.y.tolist(), "sigma_j": q.sigma_j, "lhs": lhs, "rhs": rhs,
                     "scale": sm.grad_bound_terms(p_i).scale})
    return rows


def _grad_readings(stated, fast: bool, seed: int, readings) -> Finding:
    """The gradient bound decided under each ``(name, features, sigma_j)`` reading, ``features`` being
    ``"same"`` (``i = j``), ``"different"`` (``i ≠ j``) or ``"any"`` (both)."""
    pairs = _feature_pairs(fast, seed)
    same = tuple((label, p, p) for label, p, _ in pairs)
    chosen = {"same": same, "different": pairs, "any": same + pairs}
    note = "the printed left side exceeds the right side by {value:.3g} of (γ²/σ_i²)‖g_i‖² (> {tol:g})"
    out = [_inequality_reading(name, _grad_rows(stated, chosen[features], sigma_j), sc.EXACT_TOL,
                               ("label", "y_i", "gamma", "beta", "g_i", "y_j", "sigma_j"), note)
           for name, features, sigma_j in readings]
    return Finding.from_readings(
        out, f"∇_y L̂ by the BN backward (bntheory.smoothness.bn_point) on {len(pairs)} random batches per reading; "
             f"≤ up to {sc.EXACT_TOL:g}·(γ²/σ_i²)‖g_i‖² (float floor); max_ratio = max LHS/RHS")


def _santurkar_grad_bound(q):
    """Santurkar et al.'s Thm 4.1 as both articles print it: ``(‖∇L̂‖², (γ²/σ_j²)(‖g‖² − ⟨1,g⟩²/m − ⟨g,ŷ_j⟩²/m))``."""
    return (q.grad_hat @ q.grad_hat,
            q.gamma**2 / q.sigma_j**2 * (q.grad @ q.grad - q.grad.sum() ** 2 / q.m - (q.grad @ q.yhat_j) ** 2 / q.m))


def _std_of_y(p) -> float:
    """σ_j the (biased) standard deviation of the batch ``y_j`` (Santurkar et al.)."""
    return p.sigma


def _std_of_yhat(p) -> float:
    """σ_j the standard deviation of the normalised batch ``ŷ_j`` (= 1 at ``ε = 0``)."""
    return float(p.y_hat.std())


@claim("A-smooth-grad", "A", "Smoothness",
       r"\|\nabla_{y_i}\hat L\|^2\le\frac{\gamma^2}{\sigma_j^2}\Big(\|\nabla_{y_i}L\|^2-\frac1m\langle1,\nabla_{y_i}L\rangle^2"
       r"-\frac1m\langle\nabla_{y_i}L,\hat y_j\rangle^2\Big)",
       stated=_santurkar_grad_bound,
       variants=(lambda q: (q.grad_hat @ q.grad_hat, q.gamma**2 / q.sigma_i**2 * (q.grad @ q.grad)),  # weaker, true
                 lambda q: (q.grad_hat @ q.grad_hat, q.gamma**2 / q.sigma_i**2 * (q.grad @ q.grad - q.grad.sum() ** 2
                                                                                 - (q.grad @ q.yhat_i) ** 2 / q.m))),
       corrected=(r"\|\nabla_{y_j}\hat L\|^2=\frac{\gamma^2}{\sigma_j^2}\Big(\|\nabla_{y_j}L\|^2-\frac1m\langle1,\nabla_{y_j}L\rangle^2"
                  r"-\frac1m\langle\nabla_{y_j}L,\hat y_j\rangle^2\Big),\ \sigma_j\text{ the std of the batch }y_j\ (\epsilon=0)",
                  lambda q: (q.grad_hat @ q.grad_hat, q.gamma**2 / q.sigma_i**2 * (
                      q.grad @ q.grad - q.grad.sum() ** 2 / q.m - (q.grad @ q.yhat_i) ** 2 / q.m))))
def a_smooth_grad(stated, *, fast: bool, seed: int):
    r"""Santurkar et al.'s gradient bound (Thm 4.1) as article A prints it (*Smoothness*; MATH.md §8).

    One BN layer at ``ε = 0`` with constant ``γ, β`` and a logistic loss; both sides of ``stated(q)``
    (see :func:`_grad_rows`) on the battery of :func:`_feature_pairs`.  Article A writes
    :math:`\nabla_{y_i}` on the gradients but :math:`\hat y_j, \sigma_j` elsewhere, and defines
    :math:`\sigma_j` as "the standard deviation over a mini-batch :math:`\hat y_j`" (which is 1).
    Readings: as printed (every pair ``i, j`` of features, ``σ_j = std(ŷ_j)``); ``i = j`` with
    ``σ_j = std(ŷ_j)``; ``i ≠ j`` with ``σ_j = std(y_j)``; ``i = j`` with ``σ_j = std(y_j)``
    (Santurkar's Thm 4.1, an equality).  The evidence says whether the two sides are equal.
    """
    return _grad_readings(stated, fast, seed, (
        ("as printed: every pair of features i, j (i ≠ j included); σ_j = std of the mini-batch ŷ_j (= 1)", "any",
         _std_of_yhat),
        ("i = j; σ_j = std of ŷ_j (= 1)", "same", _std_of_yhat),
        ("i ≠ j; σ_j = std of the batch y_j", "different", _std_of_y),
        ("i = j; σ_j = std of the batch y_j (Santurkar et al., Thm 4.1)", "same", _std_of_y)))


@claim("B-smooth-grad", "B", "Loss Landscape Smoothness",
       r"\|\nabla_{y_j}\hat{\mathcal L}\|_2^2\le\frac{\gamma^2}{\sigma_j^2}\Big(\|\nabla_{y_j}\mathcal L\|_2^2"
       r"-\frac1m\langle\mathbf 1,\nabla_{y_j}\mathcal L\rangle^2-\frac1m\langle\nabla_{y_j}\mathcal L,\hat y_j\rangle^2\Big)",
       stated=_santurkar_grad_bound,
       variants=(lambda q: (q.grad_hat @ q.grad_hat, q.gamma**2 / q.sigma_j**2 * (q.grad @ q.grad)),  # weaker, true
                 lambda q: (q.grad_hat @ q.grad_hat, q.gamma**2 / q.sigma_j**2 * (q.grad @ q.grad - q.grad.sum() ** 2
                                                                                 - (q.grad @ q.yhat_j) ** 2 / q.m))))
def b_smooth_grad(stated, *, fast: bool, seed: int):
    r"""Santurkar et al.'s gradient bound (Thm 4.1) as article B prints it (*Loss Landscape
    Smoothness*; MATH.md §8): one index ``j`` throughout, Euclidean norms, ":math:`\sigma_j^2` is the
    variance".  Same evaluation as :func:`a_smooth_grad` with ``i = j``; readings: ``σ_j²`` the
    variance of the batch ``y_j`` (literal: the batch being normalised) and of ``ŷ_j`` (= 1).
    """
    return _grad_readings(stated, fast, seed, (
        ("σ_j² = the variance of the batch y_j (as printed, i = j)", "same", _std_of_y),
        ("σ_j² = the variance of ŷ_j (= 1)", "same", _std_of_yhat)))


@lru_cache(maxsize=4)
def _hess_terms(fast: bool, seed: int) -> tuple:
    """``(label, p, terms)``: :func:`bntheory.smoothness.hess_bound_terms` (exact and finite-difference
    HVPs along ``v = ∇_y L̂``) at every batch of :func:`_feature_pairs`, computed once."""
    return tuple((label, p, sm.hess_bound_terms(p)) for label, p, _ in _feature_pairs(fast, seed))


def _hess_rows(stated, sigma, fast: bool, seed: int) -> list[dict]:
    r"""Both sides of a printed Hessian bound along ``v = ∇_y L̂`` at every batch of :func:`_hess_terms`.

    ``stated(q)`` returns ``(lhs, rhs)`` from the quadratic forms ``q.v_hvp`` (:math:`v^\top\nabla_y^2\hat L\,v`,
    by the finite-difference HVP) and ``q.vHv`` (:math:`v^\top\nabla_z^2\ell\,v`, the network without
    BN), ``q.g_yhat`` (:math:`\langle g,\hat y\rangle`), ``q.v_sq`` (:math:`\|v\|^2`), ``q.gamma``, ``q.m`` and
    ``q.sigma = sigma(p)`` (the reading).  The scale is :attr:`~bntheory.smoothness.HessBoundTerms.rounding_scale`.
    """
    rows = []
    for label, p, t in _hess_terms(fast, seed):
        q = SimpleNamespace(v_hvp=t.lhs_fd, vHv=t.vHv, g_yhat=t.g_dot_yhat, v_sq=t.v_sq, gamma=p.gamma, m=p.m,
                            sigma=sigma(p))
        lhs, rhs = (float(v) for v in stated(q))
        rows.append({"label": label, "y": p.y.tolist(), "gamma": p.gamma, "beta": p.beta, "sigma": q.sigma,
                     "lhs": lhs, "rhs": rhs, "scale": t.rounding_scale, "lhs_exact_hvp": t.lhs})
    return rows


@claim("A-smooth-hess", "A", "Smoothness",
       r"(\nabla_{y_j}\hat L)^T\frac{\partial\hat L}{\partial y_j\partial y_j}(\nabla_{y_j}\hat L)\le"
       r"\frac{\gamma^2}{\sigma^2}\Big(\frac{\partial\hat L}{\partial y_j}\Big)^T\Big(\frac{\partial L}{\partial y_j\partial y_j}\Big)"
       r"\Big(\frac{\partial\hat L}{\partial y_j}\Big)-\frac{\gamma}{m\sigma^2}\langle\nabla_{y_j}L,\hat y_j\rangle"
       r"\Big\|\frac{\partial\hat L}{\partial y_j}\Big\|^2",
       stated=lambda q: (q.v_hvp, q.gamma**2 / q.sigma**2 * q.vHv - q.gamma / (q.m * q.sigma**2) * q.g_yhat * q.v_sq),
       variants=(lambda q: (q.v_hvp, q.gamma**2 / q.sigma**2 * q.vHv  # |correction|: weaker, true
                            + abs(q.gamma / (q.m * q.sigma**2) * q.g_yhat) * q.v_sq),
                 lambda q: (q.v_hvp, q.gamma**2 / q.sigma**2 * q.vHv  # the correction's 1/m dropped
                            - q.gamma / q.sigma**2 * q.g_yhat * q.v_sq)))
def a_smooth_hess(stated, *, fast: bool, seed: int):
    r"""Santurkar et al.'s Hessian bound (Thm 4.2, first form) as article A prints it (*Smoothness*;
    MATH.md §8), with finite-difference Hessian-vector products (CLAIMS.md).

    Both sides of ``stated(q)`` (see :func:`_hess_rows`) along ``v = ∇_y L̂`` on the batches of
    :func:`_feature_pairs`; "≤" up to ``FD_TOL = 1e-6`` of the terms' rounding scale (the
    finite-difference HVP's error floor, :mod:`proofs_check.smoothness`).  The printed ``σ`` has no
    index; readings: the std of the batch ``y_j`` (literal: the batch normalised) and ``σ_j`` as
    article A defines it (the std of ``ŷ_j``, = 1).  The evidence gives the exact-HVP left side too.
    """
    note = "the printed left side exceeds the right side by {value:.3g} of the terms' scale (> {tol:g})"
    n = len(_hess_terms(fast, seed))
    readings = [_inequality_reading(name, _hess_rows(stated, sigma, fast, seed), sc.FD_TOL,
                                    ("label", "y", "gamma", "beta", "sigma"), note)
                for name, sigma in (("σ = std of the batch y_j (as printed)", _std_of_y),
                                    ("σ = σ_j as article A defines it: std of ŷ_j (= 1)", _std_of_yhat))]
    return Finding.from_readings(
        readings, f"finite-difference HVP (relative step {sm.FD_REL_STEP:g}) along v = ∇_y L̂ on {n} random "
                  f"batches; ≤ up to {sc.FD_TOL:g} of (|curvature| + |correction|)·κ; max_ratio = max LHS/RHS")


@lru_cache(maxsize=4)
def _weight_units(fast: bool, seed: int) -> tuple:
    """``(label, (w, X, γ, β, loss), c*, loss scales)``: one BN unit ``y = wᵀX`` per batch of
    :func:`proofs_check.smoothness.battery` (``d = 4``), the loss scale ``c*`` at which the printed
    Thm 4.4 changes verdict (:func:`bntheory.smoothness.printed_weight_flip_scale`) and the scales
    ``(10⁻³c*, c*/2, 1, 2c*)`` at which every statement is evaluated."""
    out = []
    for label, unit in sc.battery(seed, "claims.smoothness.weight", fast, d=4):
        c_star = sm.printed_weight_flip_scale(sm.printed_weight_terms(*unit))
        out.append((label, unit, c_star, (1e-3 * c_star, c_star / 2, 1.0, 2 * c_star)))
    return tuple(out)


def _weight_rows(stated, sigma_j, fast: bool, seed: int) -> list[dict]:
    r"""Both sides of a printed weight bound at every unit of :func:`_weight_units` and loss scale ``c``.

    ``stated(q)`` returns ``(lhs, rhs)`` from the printed terms of
    :func:`bntheory.smoothness.printed_weight_terms` at the scaled loss ``cℓ`` (read at one batch
    ``X``, ``λ = ‖X‖_op``): ``q.g_hat`` (:math:`\hat g_j = \|\nabla_w\hat L\|^2`), ``q.g_j``
    (:math:`\|\nabla_w L\|^2`), ``q.mu_g``, ``q.lam``, ``q.corr`` (:math:`\langle g,\hat y\rangle`), ``q.m``,
    ``q.gamma``, ``q.sigma_j = sigma_j(p)`` (the reading), and from the BN point: ``q.g``, ``q.yhat``,
    ``q.sigma_y`` (the batch std of ``y``).  The scale is ``λ²(γ²/σ_y²)‖g‖²``.  Every row carries the
    unit's sides at all its loss scales.
    """
    rows = []
    for label, (w, X, gamma, beta, loss), c_star, scales in _weight_units(fast, seed):
        unit_rows = []
        for c in scales:
            t = sm.printed_weight_terms(w, X, gamma, beta, loss.scaled(c))
            p = sm.bn_point(w @ X, gamma, beta, loss.scaled(c))
            q = SimpleNamespace(g_hat=t.g_hat, g_j=t.g_j, mu_g=t.mu_g, lam=t.lam, corr=t.corr, m=t.m, gamma=gamma,
                                sigma_j=sigma_j(p), g=p.g, yhat=p.y_hat, sigma_y=p.sigma)
            lhs, rhs = (float(v) for v in stated(q))
            unit_rows.append({"label": label, "loss_scale": c, "c_star": c_star, "w": w.tolist(), "X": X.tolist(),
                              "gamma": gamma, "beta": beta, "g": p.g.tolist(), "lhs": lhs, "rhs": rhs,
                              "scale": t.lam**2 * sm.grad_bound_terms(p).scale})
        sides = [{"loss_scale": r["loss_scale"], "lhs": r["lhs"], "rhs": r["rhs"], "holds": r["lhs"] <= r["rhs"]}
                 for r in unit_rows]
        rows += [{**r, "sides_by_loss_scale": sides} for r in unit_rows]
    return rows


@claim("A-smooth-weight", "A", "Smoothness",
       r"\hat g_j\le\frac{\gamma^2}{\sigma_j^2}\big(g_j^2-m\mu_{g_j}^2-\lambda^2\langle\nabla_{y_j}L,\hat y_j\rangle^2\big),\ "
       r"g_j=\max_{\|X\|\le\lambda}\|\nabla_W L\|^2,\ \hat g_j=\max_{\|X\|\le\lambda}\|\nabla_W\hat L\|^2",
       stated=lambda q: (q.g_hat, q.gamma**2 / q.sigma_j**2 * (q.g_j**2 - q.m * q.mu_g**2 - q.lam**2 * q.corr**2)),
       variants=(lambda q: (q.g_hat, q.lam**2 * q.gamma**2 / q.sigma_y**2 * (q.g @ q.g)),  # weaker, true
                 lambda q: (q.g_hat, q.gamma**2 / q.sigma_y**2 * (  # the ‖X‖²_op factor dropped
                     q.g @ q.g - q.g.sum() ** 2 / q.m - (q.g @ q.yhat) ** 2 / q.m))),
       corrected=(r"\|\nabla_{w_j}\hat L\|^2\le\|X\|_{op}^2\frac{\gamma^2}{\sigma_j^2}\Big(\|g\|^2-\frac1m\langle1,g\rangle^2"
                  r"-\frac1m\langle g,\hat y_j\rangle^2\Big),\ g=\nabla_{y_j}L,\ \sigma_j\text{ the std of the batch }y_j"
                  r"\ (\text{per batch }X)",
                  lambda q: (q.g_hat, q.lam**2 * q.gamma**2 / q.sigma_y**2 * (
                      q.g @ q.g - q.g.sum() ** 2 / q.m - (q.g @ q.yhat) ** 2 / q.m))))
def a_smooth_weight(stated, *, fast: bool, seed: int):
    r"""Santurkar et al.'s weight-space bound (Thm 4.4) as article A prints it (*Smoothness*; MATH.md §8).

    ``g_j`` is already a squared norm, so the printed right-hand side mixes ``c⁴`` (``g_j²``) and
    ``c²`` terms under a change of the loss's unit ``ℓ → cℓ``, while ``ĝ_j`` scales as ``c²``: a
    statement about gradients must hold at every loss scale.  Both sides of ``stated(q)`` (see
    :func:`_weight_rows`) at the scales ``(10⁻³c*, c*/2, 1, 2c*)`` of every unit of
    :func:`_weight_units`, "≤" up to ``1e-12`` of ``λ²(γ²/σ²)‖g‖²``.  The maxima over
    ``‖X‖ ≤ λ`` are read at one batch ``X`` with ``λ = ‖X‖_op``.  Readings of ``σ_j``: as article A
    defines it (the std of ``ŷ_j``, = 1; literal) and the std of the batch ``y_j``.
    """
    note = ("the printed left side exceeds the right side by {value:.3g} of λ²(γ²/σ²)‖g‖² (> {tol:g}); "
            "under ℓ → cℓ the two sides scale differently (c² against c⁴ and c²)")
    readings = [_inequality_reading(name, _weight_rows(stated, sigma_j, fast, seed), sc.EXACT_TOL,
                                    ("label", "loss_scale", "c_star", "w", "X", "gamma", "beta", "g"), note,
                                    sides=("lhs", "rhs", "sides_by_loss_scale"))
                for name, sigma_j in (("σ_j as article A defines it: std of ŷ_j (= 1)", _std_of_yhat),
                                      ("σ_j = std of the batch y_j (Santurkar et al.)", _std_of_y))]
    n_units = len(_weight_units(fast, seed))
    return Finding.from_readings(
        readings, f"{n_units} BN units y = wᵀX (d = 4) × 4 loss scales ℓ → cℓ around the printed form's flip scale c*; "
                  f"maxima over ‖X‖ ≤ λ read at one X, λ = ‖X‖_op; ≤ up to {sc.EXACT_TOL:g}·λ²(γ²/σ²)‖g‖²")


#: Scale of the BN optimum ``cW*`` used when ``⟨W₀,W*⟩ ≤ 0``: every ``c > 0`` is farther from ``W₀``
#: than ``‖W₀‖`` (the infimum, approached as ``c → 0⁺``); this one is within 1e-6 of it.
_SMALL_SCALE = 1e-6
#: Explicit dimension of the symbolic check of the initialisation identity.
_INIT_DIM = 3


def _init_pairs(fast: bool, seed: int) -> list:
    """``(W₀, W*)`` of shapes ``(5,), (2, 3), (4, 4)``, half with ``⟨W₀,W*⟩ > 0`` and half with ``< 0``."""
    rng = np.random.default_rng(seed)
    n = 12 if fast else 40
    shapes = ((5,), (2, 3), (4, 4))
    out = []
    for k in range(n):
        W0, Ws = rng.normal(size=shapes[k % 3]), rng.normal(size=shapes[k % 3])
        out.append((W0, Ws if (np.sum(W0 * Ws) > 0) == (k % 2 == 0) else -Ws))
    return out


def _init_rows(sides, condition, optimum, fast: bool, seed: int) -> tuple[list[dict], int]:
    """Both sides of a printed initialisation bound at every pair of :func:`_init_pairs` where
    ``condition`` (if any) holds, and the number of pairs it excludes.

    ``sides(q)`` returns ``(lhs, rhs)`` from ``q.W0``, ``q.W_star``, ``q.W_hat`` (the BN optimum
    ``optimum(terms)·W*``) and ``q.dot`` (the Frobenius inner product); ``condition(q)`` may use
    ``q.inner = ⟨W₀,W*⟩``.  The scale is ``‖W₀‖² + ‖W*‖²`` (:func:`bntheory.smoothness.init_terms`).
    """
    rows, excluded = [], 0
    for W0, Ws in _init_pairs(fast, seed):
        t = sm.init_terms(W0, Ws)
        c = optimum(t)
        q = SimpleNamespace(W0=W0, W_star=Ws, W_hat=c * Ws, inner=t.inner, dot=lambda a, b: float(np.sum(a * b)))
        if condition is not None and not condition(q):
            excluded += 1
            continue
        lhs, rhs = (float(v) for v in sides(q))
        rows.append({"W0": W0.tolist(), "W_star": Ws.tolist(), "inner": t.inner, "c_hat": c, "lhs": lhs, "rhs": rhs,
                     "scale": t.norm_scale})
    return rows, excluded


def _line_identity(sides, seed: int) -> dict:
    """The ladder on ``lhs = rhs`` at ``Ŵ* = c*W*``, ``c* = ⟨W₀,W*⟩/‖W*‖²`` (the closest point of the line
    through ``W*``), for symbolic ``W₀, W* ∈ ℝ³``: the printed right-hand side *is* ``min_c‖W₀ − cW*‖²``."""
    W0 = sp.Matrix(sp.symbols(f"a1:{_INIT_DIM + 1}", real=True))
    Ws = sp.Matrix(sp.symbols(f"b1:{_INIT_DIM + 1}", real=True))

    def dot(a, b):
        return (a.T * b)[0, 0]

    q = SimpleNamespace(W0=W0, W_star=Ws, W_hat=dot(W0, Ws) / dot(Ws, Ws) * Ws, dot=dot)
    lhs, rhs = sides(q)
    v = verify_identity(lhs, rhs, points=4, seed=seed, condition=lambda pt: any(pt[s] != 0 for s in Ws))
    return {k: val for k, val in v.as_dict().items() if k != "seconds"}


def _printed_init(q):
    """Lemma 4.5 as article A prints it: ``(‖W₀ − Ŵ*‖², ‖W₀ − W*‖² − (‖W*‖² − ⟨W*,W₀⟩)²/‖W*‖²)``."""
    d = q.W0 - q.W_star
    return (q.dot(q.W0 - q.W_hat, q.W0 - q.W_hat),
            q.dot(d, d) - (q.dot(q.W_star, q.W_star) - q.dot(q.W_star, q.W0)) ** 2 / q.dot(q.W_star, q.W_star))


@claim("A-smooth-init", "A", "Smoothness",
       r"\|W_0-\hat W^*\|^2\le\|W_0-W^*\|^2-\frac{1}{\|W^*\|^2}\big(\|W^*\|^2-\langle W^*,W_0\rangle\big)^2",
       stated=(None, _printed_init),
       variants=((lambda q: q.inner > 0,  # the closed form min_c‖W₀ − cW*‖², with the sign condition: true
                  lambda q: (q.dot(q.W0 - q.W_hat, q.W0 - q.W_hat),
                             q.dot(q.W0, q.W0) - q.dot(q.W0, q.W_star) ** 2 / q.dot(q.W_star, q.W_star))),
                 (lambda q: q.inner > 0,  # the sign inside the square flipped: false
                  lambda q: (q.dot(q.W0 - q.W_hat, q.W0 - q.W_hat),
                             q.dot(q.W0 - q.W_star, q.W0 - q.W_star)
                             - (q.dot(q.W_star, q.W_star) + q.dot(q.W_star, q.W0)) ** 2 / q.dot(q.W_star, q.W_star)))),
       corrected=(r"\text{if }\langle W_0,W^*\rangle>0:\ \|W_0-\hat W^*\|^2=\|W_0-W^*\|^2"
                  r"-\frac{1}{\|W^*\|^2}\big(\|W^*\|^2-\langle W^*,W_0\rangle\big)^2=\min_c\|W_0-cW^*\|^2",
                  (lambda q: q.inner > 0, _printed_init)))
def a_smooth_init(stated, *, fast: bool, seed: int):
    r"""Santurkar et al.'s initialisation inequality (Lemma 4.5) as article A prints it (*Smoothness*;
    MATH.md §8: the right-hand side is :math:`\min_c\|W_0 - cW^*\|^2`, needs :math:`\langle W_0,W^*\rangle > 0`).

    ``stated = (condition, sides)`` (``condition`` ``None``: no hypothesis, as printed).  The BN
    network's optima through ``W*`` are ``{cW*: c > 0}`` (BN is invariant under positive scaling
    only, MATH.md §1.3).  Numerically, both sides on random pairs (:func:`_init_pairs`), "≤" up to
    ``1e-12·(‖W₀‖² + ‖W*‖²)``; readings of ``Ŵ*``: the closest BN optimum (literal: ``c*W*`` if
    ``c* > 0``, else ``10⁻⁶W*`` — no closest one exists, every ``c > 0`` is farther than ``‖W₀‖``)
    and the closest point of the whole line ``{cW*: c ∈ ℝ}``.  Symbolically (evidence), the ladder
    on ``lhs = rhs`` at ``Ŵ* = c*W*`` (:func:`_line_identity`).
    """
    condition, sides = stated
    optima = (("Ŵ* = the closest BN optimum cW*, c > 0 (as printed)",
               lambda t: t.c_star if t.c_star > 0 else _SMALL_SCALE),
              ("Ŵ* = the closest point c*W* of the line {cW*: c ∈ ℝ} (negative c is not a BN optimum)",
               lambda t: t.c_star))
    note = "the printed left side exceeds the right side by {value:.3g} of ‖W₀‖² + ‖W*‖² (> {tol:g})"
    readings = []
    for name, optimum in optima:
        rows, excluded = _init_rows(sides, condition, optimum, fast, seed)
        readings.append(_inequality_reading(name, rows, sc.INIT_TOL, ("W0", "W_star", "inner", "c_hat"), note,
                                            n_excluded_by_condition=excluded))
    identity = _line_identity(sides, seed)
    return Finding.from_readings(
        readings, f"{len(_init_pairs(fast, seed))} random (W₀, W*) with ⟨W₀,W*⟩ of both signs, ≤ up to "
                  f"{sc.INIT_TOL:g}·(‖W₀‖² + ‖W*‖²); equality at c*W*: {identity['status']} (SymPy, d = {_INIT_DIM})",
        {"equality_at_line_optimum": identity})


# --------------------------------------------------------------------------------------------
# Yang et al. (2019): gradient explosion in deep BN networks at initialisation (MATH.md §8)
# --------------------------------------------------------------------------------------------


def _relu_growth(fast: bool, seed: int):
    """The catalog's own ReLU measurements, cached there (:func:`proofs_check.explosion.batch_families`'
    ReLU family in increasing ``B`` at ``N = 512``, :func:`proofs_check.explosion.relu_large_batch`'s
    ``B = 256``, ``N = 1024``): ``(family, large_batch)`` as :class:`bntheory.explosion.GrowthEstimate`,
    so ``bntheory verify`` measures them once for the check and the claim."""
    return xc.batch_families(seed, fast)[1], xc.relu_large_batch(seed, fast)[0]


def _growth(est, of: str) -> tuple[float, float]:
    """Per-layer growth ``(value, se)`` of the squared norm ``λ̂`` or of the norm ``sqrt(λ̂)``."""
    return (est.lam, est.se) if of == "squared norm" else (est.norm_growth, est.norm_se)


def _explode_reading(name: str, of: str, stated: dict, family, large, seed: int):
    """One reading of A-explode with λ the growth of ``of``: λ > 1 at every batch size (by more than
    2 SE), its trend in ``B`` (every consecutive change beyond 2 SE in the stated direction), and the
    large-batch value within ``explosion.TOL`` of the stated limit (:func:`bntheory.explosion.compare`)."""
    per_b = [{"B": e.batch, "N": e.width, "L": e.depth, "n_networks": e.n_networks,
              "lambda": _growth(e, of)[0], "se": _growth(e, of)[1]} for e in family + (large,)]
    above_one = all(r["lambda"] - 1.0 > 2.0 * r["se"] for r in per_b)
    sign = -1.0 if stated["trend"] == "decreasing" else 1.0
    steps = [{"from_B": a["B"], "to_B": b["B"], "change": b["lambda"] - a["lambda"],
              "se": float(np.hypot(a["se"], b["se"]))} for a, b in zip(per_b[:len(family)], per_b[1:len(family)])]
    trend = all(sign * s["change"] > 2.0 * s["se"] for s in steps)
    limit = explosion.compare(*_growth(large, of), stated["limit"], xc.TOL)
    holds = above_one and trend and limit.holds
    evidence = {"lambda_of": of, "per_batch": per_b, "above_one": above_one, "trend": stated["trend"],
                "trend_steps": steps, "trend_holds": trend, "limit": limit.as_dict(), "n_instances": len(per_b),
                "max_ratio": limit.ratio, "tolerance": xc.TOL}
    failed = [p for p, ok in (("λ > 1", above_one), (f"λ {stated['trend']} in B", trend),
                              (f"λ → {stated['limit']:.4f}", limit.holds)) if not ok]
    cex = None if holds else Counterexample(
        {"activation": "relu", "networks": per_b, "lambda_of": of, "seed": seed,
         "streams": "proofs_check._instances.rng(seed, 'explosion.monotone.relu.<B>' | 'explosion.relu')"},
        {"claimed_limit": stated["limit"], "measured_at_B256": limit.estimate, "se": limit.se,
         "claimed_trend": stated["trend"], "changes_with_B": [s["change"] for s in steps]},
        f"fails: {', '.join(failed)} (tolerance ±{xc.TOL} with 2·SE resolution, random ReLU BN networks)")
    return literal_reading(name, holds, evidence, cex)


_EXPLODE_LIMIT = math.pi / (math.pi - 1)


@claim("A-explode", "A", "Vanishing/exploding gradients",
       r"\|\nabla_{W^1}\|>c\lambda^L,\ \lambda>1;\ \lambda\text{ decreases as the batch size increases};"
       r"\ \text{ReLU: }\lambda\to\pi/(\pi-1)\approx1.467",
       stated={"lambda_of": None, "trend": "decreasing", "limit": _EXPLODE_LIMIT},
       variants=({"lambda_of": "norm", "trend": "decreasing", "limit": math.sqrt(_EXPLODE_LIMIT)},  # true
                 {"lambda_of": "squared norm", "trend": "increasing", "limit": _EXPLODE_LIMIT}),  # false trend
       corrected=(r"\|\nabla_{W^1}\|^2>c\lambda_G^L,\ \lambda_G>1\text{ decreasing in the batch size};\ "
                  r"\text{ReLU: }\lambda_G\to\pi/(\pi-1)\approx1.467\ (\text{the norm grows by }\sqrt{\lambda_G}\approx1.211)",
                  {"lambda_of": "squared norm", "trend": "decreasing", "limit": _EXPLODE_LIMIT}))
def a_explode(stated, *, fast: bool, seed: int):
    r"""Gradient explosion at initialisation (article A, *Vanishing/exploding gradients*; MATH.md §8,
    Yang et al. 2019): measured on random deep ReLU BN networks (:func:`_relu_growth`, the
    measurements of :mod:`proofs_check.explosion`).

    ``stated = {"lambda_of", "trend", "limit"}``: which per-layer growth ``λ`` is (``None``: as printed,
    unspecified), its trend in the batch size and its ReLU large-batch limit.  The article writes
    "norm ``> cλ^L``", so literally ``λ`` is the growth of the norm; Yang's ``λ_G`` (whose limit is
    ``π/(π−1)``) is that of the *squared* norm.  Readings when unspecified: the norm (literal) and the
    squared norm.  ``λ → limit`` is compared at ``B = 256``, ``N = 1024`` within ``±0.02`` (resolved:
    ``2·SE ≤ 0.02``; finite batch biases the estimate up, finite width down).
    """
    family, large = _relu_growth(fast, seed)
    quantities = ((stated["lambda_of"],) if stated["lambda_of"] else ("norm", "squared norm"))
    names = {"norm": "λ = per-layer growth of the gradient norm (as printed: norm > cλ^L)",
             "squared norm": "λ = per-layer growth of the squared gradient norm (Yang et al.'s λ_G)"}
    return Finding.from_readings(
        [_explode_reading(names[of], of, stated, family, large, seed) for of in quantities],
        "random ReLU BN networks at initialisation (bntheory.explosion.gradient_growth): B = "
        + ", ".join(str(e.batch) for e in family) + f" at N = 512 and B = 256 at N = 1024, λ fitted on log ‖∂ℓ/∂W^l‖² over layers; limit within ±{xc.TOL}, "
        "trend and λ > 1 beyond 2 SE")
