r"""Claims on gradients through BN: the Jacobian, the backward pass, decoupling, smoothness, explosion.

Article B's *Gradient Flow Stabilization* and *Parameter Decoupling* statements are decided against
the exact BN transform at :math:`\varepsilon = 0` (MATH.md §1.3: the Jacobian
:math:`\partial y/\partial x = (\gamma/\sigma_B)(I - 11^\top/m - \hat x\hat x^\top/m)`, computed here
column by column with the verified :func:`bntheory.batchnorm.batchnorm_backward`; MATH.md §2: BN
normalises each feature over the batch and is invariant under :math:`W \to cW`, :math:`c > 0`).

Every numerical decision states its tolerance (a constant of this module) and reports the
battery's size and its worst instance.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from bntheory.batchnorm import batchnorm_backward, batchnorm_forward

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


def _jacobian_reading(name: str, rows: list[dict], key: str):
    """One reading of B-jacobian: holds when every batch's deviation ``rows[i][key]`` is within the band."""
    worst = max(rows, key=lambda r: r[key])
    holds = worst[key] <= _BAND
    evidence = {"n_instances": len(rows), "max_deviation": worst[key], "max_ratio": worst[key] / _BAND,
                "band": _BAND, "floor": _FLOOR}
    cex = None if holds else Counterexample(
        {k: worst[k] for k in ("m", "sigma_B", "gamma", "x")},
        {"singular_values": worst["singular_values"], "predicted": worst["predicted"], "deviation": worst[key]},
        f"a singular value lies {worst[key]:.3g} (> {_BAND}) of the spectrum's scale from its predicted value")
    return literal_reading(name, holds, evidence, cex)


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
                     "predicted": np.sort(p)[::-1].tolist(), "all": _spectrum_deviation(s, p),
                     "nonzero": _spectrum_deviation(s[:k], np.sort(p)[::-1][:k])})
    return Finding.from_readings(
        [_jacobian_reading("all m singular values (as printed)", rows, "all"),
         _jacobian_reading("the non-zero singular values only", rows, "nonzero")],
        f"SVD of the exact BN Jacobian at ε = 0 (batchnorm_backward on e_1..e_m), {len(rows)} batches; "
        f"clustered = every |s_i − p_i| ≤ {_BAND}·max(p, s); zero below {_FLOOR:g}·max s")


def _grad_reading(name: str, rows: list[dict]):
    """One reading of B-grad-sigma: holds when every ``(batch, δ)`` has relative error ≤ ``_APPROX``."""
    worst = max(rows, key=lambda r: r["error"])
    holds = worst["error"] <= _APPROX
    random_rows = [r["error"] for r in rows if r["delta_kind"] == "random"]
    evidence = {"n_instances": len(rows), "max_rel_error": worst["error"], "max_ratio": worst["error"] / _APPROX,
                "max_rel_error_random_delta": max(random_rows), "tolerance": _APPROX}
    cex = None if holds else Counterexample(
        {k: worst[k] for k in ("m", "sigma_B", "gamma", "x", "delta", "delta_kind")},
        {"approximation": worst["approximation"], "exact": worst["exact"], "relative_error": worst["error"]},
        f"relative error {worst['error']:.3g} > {_APPROX} against the exact backward (γ/σ_B)(P − x̂x̂ᵀ/m)δ")
    return literal_reading(name, holds, evidence, cex)


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
    readings = {"∂y/∂x = γI, the per-element factor (as printed: /σ is the normalisation)": lambda g, s, J: g * np.eye(J.shape[0]),
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
    return Finding.from_readings(
        [_grad_reading(name, r) for name, r in rows.items()],
        f"against the exact backward (batchnorm_backward, ε = 0) on {len(next(iter(rows.values())))} (batch, δ) "
        f"pairs; ≈ = relative error ‖approx − exact‖/((|γ|/σ_B)‖δ‖) ≤ {_APPROX}")
