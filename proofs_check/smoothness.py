r"""MATH.md §8: Santurkar et al. (2018) — smoothness of one BN layer at ``ε = 0``.

Numerical checks of Thm 4.1 (gradient), Thm 4.2 (Hessian quadratic form, first form), Thm 4.4
(weights, per batch ``X``; the printed form's loss-scale inconsistency) and Lemma 4.5
(initialisation) on batteries of random one-feature batches with a smooth non-quadratic loss
(logistic), built on :mod:`bntheory.smoothness`.  Thm 4.1 and Thm 4.2 are checked *as equalities*:
each printed "≤" is attained at every point.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.optimize import minimize_scalar

from bntheory import smoothness as sm
from bntheory.batchnorm import batchnorm_forward
from bntheory.losses import LOGISTIC

from . import _instances as I
from ._symbolic import section_checks
from .result import ControlResult, Outcome, check

SECTION = "MATH.md §8 (Santurkar et al. 2018, Thm 4.1/4.2/4.4, Lemma 4.5)"

#: Float identities (Thm 4.1, Thm 4.2 with the exact HVP), gaps relative to the size of the terms
#: that cancel (``(γ²/σ²)‖g‖²``; ``|curvature| + |correction|``): both sides are sums of ≤ m = 128
#: products, so rounding is ≲ m·eps ≈ 3e-14 of that size; 1e-12 is the tolerance.  (Relative to
#: the right-hand side itself the gap is larger by the cancellation factor, reported: up to ~10⁴
#: when ``g`` is nearly in ``span{1, ŷ}``.)
EXACT_TOL = 1e-12
#: Ratios of Thm 4.4 (per X) and its tight case: the ratio carries Thm 4.1's rounding times the
#: cancellation factor (≤ ~10⁴ on the batteries) plus the SVD's (~1e-15): 1e-10.
RATIO_TOL = 1e-10
#: Thm 4.2 with the finite-difference HVP (central differences, relative step 1e-5): observed error
#: ≲ 1e-8 of the terms' scale; 1e-6 leaves margin and is still far below every control's gap.
FD_TOL = 1e-6
#: Lemma 4.5: the printed right-hand side cancels terms of size ‖W₀‖² + ‖W*‖²; gaps relative to it.
INIT_TOL = 1e-12

BATCH_SIZES = (3, 4, 8, 32, 128)
LOSS_KINDS = ("logistic-targets", "logistic-linked")


# --------------------------------------------------------------------------- instances
def instance(gen: np.random.Generator, m: int, kind: str, d: int | None = None):
    """A random one-feature batch ``(y, γ, β, loss)``: ``y ~ N(μ, s²)`` with ``μ ∈ [−3, 3]``,
    ``s ∈ [0.1, 10]`` log-uniform (so ``σ(y) ≠ 1``), ``|γ| ∈ [0.3, 3]`` with a random sign,
    ``β ~ N(0, 1)``; the loss is :func:`~bntheory.smoothness.logistic_targets` with ±1 targets
    (diagonal ``H``) or a :class:`~bntheory.smoothness.LinkLoss` with ``K = m + 2`` random rows
    ``a_k ~ N(0, I/m)``, ``b ~ N(0, 1)`` (dense ``H``).  With ``d``, also ``X`` (``d × m``,
    Gaussian, scale ``10^U(-0.5, 0.5)``) and ``w``, and ``y = wᵀX``."""
    gamma = float(gen.choice([-1.0, 1.0]) * 10 ** gen.uniform(-0.5, 0.5))
    beta = float(gen.standard_normal())
    if kind == "logistic-targets":
        loss = sm.logistic_targets(gen.choice([-1.0, 1.0], size=m))
    else:
        loss = sm.LinkLoss(gen.standard_normal((m + 2, m)) / math.sqrt(m), gen.standard_normal(m + 2), LOGISTIC)
    if d is None:
        return gen.normal(gen.uniform(-3, 3), 10 ** gen.uniform(-1, 1), m), gamma, beta, loss
    X = 10 ** gen.uniform(-0.5, 0.5) * gen.standard_normal((d, m))
    return gen.standard_normal(d), X, gamma, beta, loss


def battery(seed: int, tag: str, fast: bool, d: int | None = None):
    """``(label, instance)`` over :data:`BATCH_SIZES` × :data:`LOSS_KINDS` × repetitions (4, ``fast``: 1)."""
    reps = 1 if fast else 4
    for k, (m, kind, r) in enumerate(itertools.product(BATCH_SIZES, LOSS_KINDS, range(reps))):
        yield f"m={m} {kind} #{r}", instance(I.rng(seed, tag, k), m, kind, d)


def tight_weight_instance(y, gen: np.random.Generator, gamma: float, beta: float, loss, d: int = 4):
    """``(w, X)`` with ``wᵀX = y`` and ``∇_y L̂`` the top right singular vector of ``X`` (Thm 4.4 attained).

    ``v̂ = ∇_y L̂/‖∇_y L̂‖`` is orthogonal to ``1`` and ``ŷ``, hence to ``y``; ``X = U diag(s) Rᵀ`` with
    ``R = [v̂, y/‖y‖, …]`` orthonormal, ``s₁ = 3 > s₂, s₃, … ∈ [0.1, 2]``, and ``w = U e₂ ‖y‖/s₂``."""
    p = sm.bn_point(y, gamma, beta, loss)
    m = p.m
    k = min(d, m)
    v = p.grad / np.linalg.norm(p.grad)
    R, _ = np.linalg.qr(np.column_stack([v, y / np.linalg.norm(y), gen.standard_normal((m, k - 2))]))
    R[:, 1] *= np.sign(R[:, 1] @ y)  # so that wᵀX = +y
    U, _ = np.linalg.qr(gen.standard_normal((d, k)))
    s = np.concatenate([[3.0], gen.uniform(0.1, 2.0, k - 1)])
    return U[:, 1] * np.linalg.norm(y) / s[1], (U * s) @ R.T


def _rel(a: float, b: float, scale: float) -> float:
    return abs(a - b) / scale


# --------------------------------------------------------------------------- Thm 4.1
@check("smoothness.grad-bound", SECTION,
       r"\|\nabla_{y}\hat L\|^2=\frac{\gamma^2}{\sigma^2}\Big(\|g\|^2-\frac1m\langle 1,g\rangle^2"
       r"-\frac1m\langle g,\hat y\rangle^2\Big)"
       r"\ \ (\text{Thm 4.1's}\le\text{ with equality})",
       assumptions=("ε = 0, γ and β constant", "σ = the (biased) std of y, not of ŷ", "g = ∇_zℓ at z = γŷ + β",
                    "ℓ smooth (logistic), m ≥ 3", f"equality to {EXACT_TOL:g} of (γ²/σ²)‖g‖²"))
def check_grad_bound(*, seed: int, fast: bool) -> Outcome:
    """Thm 4.1 of Santurkar et al. (2018) holds **with equality** (MATH.md §8).

    At ``ε = 0`` the BN Jacobian is ``(γ/σ)Π`` with ``Π`` the orthogonal projector onto
    ``span{1, ŷ}^⊥`` (MATH.md §1.3), so ``‖∇_y L̂‖² = (γ²/σ²) gᵀΠg`` is the printed right-hand side:
    the bound is tight at every point.  Battery: m ∈ {3, 4, 8, 32, 128} × {logistic with ±1 targets,
    logistic of a random linear map} × 4 (``fast``: × 1) random batches, γ, β.  Measured: the
    largest ``|LHS − RHS|`` relative to the cancelling terms' size ``(γ²/σ²)‖g‖²``; holds if
    ≤ 1e-12 (rounding, see :data:`EXACT_TOL`); ``|LHS − RHS|/RHS`` and the cancellation factor are
    in the evidence.

    Negative controls (the same equality test): (1) the ``⟨g, ŷ⟩²/m`` term dropped — still an
    upper bound, but strict, so equality fails; (2) the reading "σ_j = std of ŷ_j" (σ = 1) on
    batches with ``σ(y) ≠ 1``.
    """
    rows, gaps, drop, sigma1 = [], [], [], []
    for label, (y, gamma, beta, loss) in battery(seed, "smoothness.grad-bound", fast):
        t = sm.grad_bound_terms(sm.bn_point(y, gamma, beta, loss))
        gaps.append(_rel(t.lhs, t.rhs, t.scale))
        drop.append(_rel(t.lhs, t.factor * (t.g_sq - t.mean_term), t.scale))
        sigma1.append(_rel(t.lhs, t.rhs * gamma ** 2 / t.factor, t.scale))
        rows.append({"instance": label, "lhs": t.lhs, "rhs": t.rhs, "gap_over_scale": gaps[-1],
                     "gap_over_rhs": _rel(t.lhs, t.rhs, t.rhs), "sigma": math.sqrt(gamma ** 2 / t.factor),
                     "cancellation": t.scale / t.rhs})
    return Outcome(
        measured=max(gaps), bound=EXACT_TOL,
        method=f"{len(rows)} random batches, ∇_y L̂ by the BN backward, equality to {EXACT_TOL:g} of (γ²/σ²)‖g‖²",
        evidence={"tolerance": EXACT_TOL, "tolerance_why": "m·eps ≈ 3e-14 of the cancelling terms' size (γ²/σ²)‖g‖²",
                  "max_gap_over_rhs": max(r["gap_over_rhs"] for r in rows),
                  "max_cancellation": max(r["cancellation"] for r in rows),
                  "min_lhs_over_rhs": min(r["lhs"] / r["rhs"] for r in rows),
                  "max_lhs_over_rhs": max(r["lhs"] / r["rhs"] for r in rows),
                  "instances": rows},
        controls=[_equality_control("⟨g, ŷ⟩²/m dropped (a strict upper bound: equality fails)", drop, EXACT_TOL,
                                    [r["instance"] for r in rows]),
                  _equality_control("σ_j read as the std of ŷ_j (σ = 1) on batches with σ(y) ≠ 1", sigma1, EXACT_TOL,
                                    [r["instance"] for r in rows])])


def _equality_control(description: str, gaps, tol: float, labels) -> ControlResult:
    """A wrong equality is rejected when its relative gap exceeds ``tol`` on at least one instance."""
    n_bad = sum(g > tol for g in gaps)
    return ControlResult.from_rejection(description, n_bad > 0, measured=max(gaps), bound=tol, ratio=max(gaps) / tol,
                                        detail={"n_instances": len(gaps), "n_rejected": n_bad,
                                                "min_rel_gap": min(gaps),
                                                "first_rejected": next((lab for lab, g in zip(labels, gaps) if g > tol),
                                                                       None)})


# --------------------------------------------------------------------------- Thm 4.2
@check("smoothness.hessian-bound", SECTION,
       r"v^\top\nabla^2_{y}\hat L\,v=\frac{\gamma^2}{\sigma^2}v^\top H v"
       r"-\frac{\gamma}{m\sigma^2}\langle g,\hat y\rangle\|v\|^2,"
       r"\ v=\nabla_y\hat L\ \ (\text{Thm 4.2's first}\le\text{ with equality})",
       assumptions=("ε = 0, γ and β constant", "H = ∇²_zℓ at z = γŷ + β", "ℓ smooth (logistic), m ≥ 3",
                    f"exact HVP to {EXACT_TOL:g}, finite-difference HVP (relative step 1e-5) to {FD_TOL:g}"))
def check_hessian_bound(*, seed: int, fast: bool) -> Outcome:
    """Thm 4.2 (first form) of Santurkar et al. (2018) holds **with equality** along ``v = ∇_y L̂`` (MATH.md §8).

    ``∇²L̂ = J H J + Σ_i g_i ∇²z_i`` and, for ``v ⊥ span{1, ŷ}``, ``Jv = (γ/σ)v`` and the second
    derivative of ``ŷ`` along ``v`` is ``−ŷ‖v‖²/(mσ²)``: so ``vᵀ∇²L̂v`` *is* the printed right-hand
    side.  Both the exact HVP (:func:`bntheory.smoothness.batch_loss_hvp`) and the finite-difference
    HVP (central differences of the exact gradient) are compared, relative to
    ``(|curvature term| + |correction term|)·κ`` with ``κ = (|γ|/σ)‖g‖/‖v‖ ≥ 1`` (``v = (γ/σ)Πg`` is
    itself computed only to a relative ``eps·κ``; ``κ`` reaches ~10⁴ on the battery when ``g`` is nearly
    in ``span{1, ŷ}``); battery as ``smoothness.grad-bound``.  Measured: the
    exact HVP's largest relative gap (tolerance 1e-12); the finite-difference gap must be ≤ 1e-6.

    Negative controls (the same equality test, on the exact HVP): (1) the sign of the second term
    flipped; (2) the second term dropped (the curvature of BN itself ignored).
    """
    rows, exact, fd, flip, drop = [], [], [], [], []
    for label, (y, gamma, beta, loss) in battery(seed, "smoothness.hessian-bound", fast):
        t = sm.hess_bound_terms(sm.bn_point(y, gamma, beta, loss))
        exact.append(_rel(t.lhs, t.rhs, t.rounding_scale))
        fd.append(_rel(t.lhs_fd, t.rhs, t.rounding_scale))
        flip.append(_rel(t.lhs, t.curvature_term + t.correction_term, t.rounding_scale))
        drop.append(_rel(t.lhs, t.curvature_term, t.rounding_scale))
        rows.append({"instance": label, "lhs_exact": t.lhs, "lhs_fd": t.lhs_fd, "curvature_term": t.curvature_term,
                     "correction_term": t.correction_term, "grad_cancellation": t.grad_cancellation,
                     "rel_gap_exact": exact[-1], "rel_gap_fd": fd[-1]})
    labels = [r["instance"] for r in rows]
    n_flip_ineq = sum(r["lhs_exact"] > r["curvature_term"] + r["correction_term"] for r in rows)
    return Outcome(
        measured=max(exact), bound=EXACT_TOL, holds=max(exact) <= EXACT_TOL and max(fd) <= FD_TOL,
        method=f"{len(rows)} random batches, exact and finite-difference HVPs along v = ∇_y L̂",
        evidence={"tolerance_exact": EXACT_TOL, "tolerance_fd": FD_TOL, "max_rel_gap_fd": max(fd),
                  "gaps_relative_to": "(|curvature term| + |correction term|)·κ, κ = (|γ|/σ)‖g‖/‖∇_y L̂‖",
                  "max_kappa": max(r["grad_cancellation"] for r in rows),
                  "fd_step": f"central differences, ‖h v‖ = {sm.FD_REL_STEP:g}·‖y − μ1‖ (error floor ~1e-10–1e-8)",
                  "flipped_sign_violated_as_inequality_on": n_flip_ineq, "instances": rows},
        controls=[_equality_control("sign of the ⟨g, ŷ⟩ term flipped", flip, EXACT_TOL, labels),
                  _equality_control("⟨g, ŷ⟩ term dropped (vᵀ∇²L̂v = (γ²/σ²)vᵀHv)", drop, EXACT_TOL, labels)])


# --------------------------------------------------------------------------- Thm 4.4
@check("smoothness.weight-bound", SECTION,
       r"\|\nabla_w\hat L\|^2=\|X\nabla_y\hat L\|^2\le\|X\|_{op}^2\frac{\gamma^2}{\sigma^2}"
       r"\Big(\|g\|^2-\frac1m\langle 1,g\rangle^2"
       r"-\frac1m\langle g,\hat y\rangle^2\Big),\ y=w^\top X",
       assumptions=("ε = 0, γ and β constant", "one unit y = wᵀX, X ∈ R^{d×m} the batch", "ℓ smooth (logistic), m ≥ 3",
                    "Thm 4.4 in its per-X form (the printed form is not dimensionally consistent)"))
def check_weight_bound(*, seed: int, fast: bool) -> Outcome:
    """Thm 4.4 of Santurkar et al. (2018) in its testable per-``X`` form (MATH.md §8).

    ``∇_w L̂ = X ∇_y L̂``, so ``‖∇_w L̂‖² ≤ ‖X‖²_op ‖∇_y L̂‖²`` = ``‖X‖²_op`` × Thm 4.1's right-hand side.
    Battery: as ``smoothness.grad-bound`` with ``d = 4`` and a Gaussian ``X`` of random scale;
    measured: the largest ``LHS/RHS`` (≤ 1 + 1e-10, :data:`RATIO_TOL`).  **Tight**: when ``∇_y L̂``
    is the top right singular vector of ``X`` (:func:`tight_weight_instance`) the ratio is 1 (to
    1e-10), required.

    The printed form ``ĝ_j ≤ (γ²/σ_j²)(g_j² − mμ²_{g_j} − λ²⟨∇L, ŷ⟩²)`` with ``g_j`` already a squared
    norm is not dimensionally consistent: under ``ℓ → cℓ`` its left side scales as ``c²`` and
    ``g_j²`` as ``c⁴``, so its verdict flips at a loss scale ``c*``
    (:func:`bntheory.smoothness.printed_weight_flip_scale`); recomputed with the scaled loss at
    ``c*/2`` (violated) and ``2c*`` (holds), read at one ``X`` with ``λ = ‖X‖_op``.

    Negative controls: (1) the bound without the ``‖X‖²_op`` factor is violated on the battery;
    (2) the printed form (at the loss scale ``c*/2``) is violated; (3) tightness claimed on the
    generic battery (ratio ≥ 1 − 1e-6 everywhere) is rejected.
    """
    rows, ratios, no_op = [], [], []
    for k, (label, (w, X, gamma, beta, loss)) in enumerate(battery(seed, "smoothness.weight-bound", fast, d=4)):
        t = sm.weight_bound_terms(w, X, gamma, beta, loss)
        ratios.append(t.lhs / t.rhs)
        no_op.append(t.lhs / t.grad.rhs)
        rows.append({"instance": label, "lhs": t.lhs, "rhs": t.rhs, "ratio": ratios[-1], "op_sq": t.op_sq,
                     "alignment": t.alignment})
    # the tight case: ∇_y L̂ along the top right singular vector of X
    gen = I.rng(seed, "smoothness.weight-bound.tight")
    y, gamma, beta, loss = instance(gen, 8, "logistic-linked")
    wt, Xt = tight_weight_instance(y, gen, gamma, beta, loss)
    tt = sm.weight_bound_terms(wt, Xt, gamma, beta, loss)
    tight = tt.lhs / tt.rhs
    # the printed form under a change of the loss's unit, at the first instance of the battery
    _, (w, X, gamma, beta, loss) = next(battery(seed, "smoothness.weight-bound", fast, d=4))
    c_star = sm.printed_weight_flip_scale(sm.printed_weight_terms(w, X, gamma, beta, loss))
    scales = {"c*/2": c_star / 2, "1": 1.0, "2c*": 2 * c_star}
    printed = {k: sm.printed_weight_terms(w, X, gamma, beta, loss.scaled(c)) for k, c in scales.items()}
    per_x = {k: sm.weight_bound_terms(w, X, gamma, beta, loss.scaled(c)) for k, c in scales.items()}
    flip = {k: {"c": scales[k], "g_hat": p.g_hat, "printed_rhs": p.rhs, "printed_holds": bool(p.holds),
                "per_x_ratio": per_x[k].lhs / per_x[k].rhs} for k, p in printed.items()}
    small = printed["c*/2"]
    return Outcome(
        measured=max(ratios), bound=1.0 + RATIO_TOL,
        holds=max(ratios) <= 1.0 + RATIO_TOL and abs(tight - 1.0) <= RATIO_TOL,
        method=f"{len(rows)} random batches (d = 4) + the tight case; printed form under ℓ → cℓ",
        evidence={"tight_case": {"m": 8, "d": 4, "ratio": tight, "alignment": tt.alignment, "op_sq": tt.op_sq},
                  "printed_form_loss_scale": {"reading": "one X, λ = ‖X‖_op, g_j = ‖X g‖², μ_g = ⟨1,g⟩/m",
                                              "flip_scale_c_star": c_star, "at": flip,
                                              "verdict_flips": bool(not small.holds and printed["2c*"].holds)},
                  "min_ratio": min(ratios), "instances": rows},
        controls=[ControlResult.from_bound("‖X‖²_op factor dropped", max(no_op), 1.0 + RATIO_TOL,
                                           detail={"n_violated": sum(r > 1.0 + RATIO_TOL for r in no_op),
                                                   "n_instances": len(no_op)}),
                  ControlResult.from_rejection(
                      "printed Thm 4.4 (ĝ_j ≤ (γ²/σ²)(g_j² − mμ² − λ²⟨g,ŷ⟩²)) at loss scale c*/2", not small.holds,
                      measured=small.g_hat, bound=small.rhs,
                      detail={"c": scales["c*/2"], "printed_rhs": small.rhs, "g_hat": small.g_hat,
                              "holds_at_2c*": bool(printed["2c*"].holds)}),
                  ControlResult.from_rejection(
                      "tight (ratio ≥ 1 − 1e-6) on every generic X", min(ratios) < 1.0 - 1e-6,
                      measured=min(ratios), bound=1.0 - 1e-6, ratio=min(ratios) / (1.0 - 1e-6))])


# --------------------------------------------------------------------------- Lemma 4.5
def circle_unit(seed: int, m: int = 16, n_grid: int = 720):
    """A BN unit ``y = wᵀX`` (``d = 2``) whose BN loss has one local minimum in direction.

    ``X`` Gaussian ``2 × m``; per-coordinate logistic loss with the ±1 targets of a teacher
    direction (``γ = 2``, ``β = 0``).  ``L̂(w)`` depends on ``w`` only through its angle (BN is
    invariant under positive scaling); it is evaluated on ``n_grid`` angles (one batched BN forward),
    its strict local minima counted on the circle and the global one refined (bounded Brent, 1e-12).
    Returns ``(X, loss, θ*, number of local minima on the grid, L̂ on the grid)``."""
    gen = I.rng(seed, "smoothness.init-identity.circle")
    X = gen.standard_normal((2, m))
    teacher = gen.standard_normal(2)
    loss = sm.logistic_targets(np.sign(teacher @ X - np.mean(teacher @ X)))
    th = np.linspace(0.0, 2 * np.pi, n_grid, endpoint=False)
    Y = np.column_stack([np.cos(th), np.sin(th)]) @ X
    Z, _ = batchnorm_forward(Y.T, np.full(n_grid, 2.0), np.zeros(n_grid), eps=0.0)
    vals = loss.value(Z)
    n_min = int(np.sum((vals < np.roll(vals, 1)) & (vals < np.roll(vals, -1))))
    k = int(np.argmin(vals))
    h = 2 * np.pi / n_grid

    def on_angle(a):
        return sm.batch_loss(np.array([math.cos(a), math.sin(a)]) @ X, 2.0, 0.0, loss)

    r = minimize_scalar(on_angle, bounds=(th[k] - h, th[k] + h), method="bounded", options={"xatol": 1e-12})
    return X, loss, float(r.x), n_min, vals


@check("smoothness.init-identity", SECTION,
       r"\|W_0-W^*\|^2-\frac{(\|W^*\|^2-\langle W^*,W_0\rangle)^2}{\|W^*\|^2}=\min_c\|W_0-cW^*\|^2"
       r"=\|W_0-\hat W^*\|^2,\ \hat W^*=c^*W^*,\ c^*=\frac{\langle W_0,W^*\rangle}{\|W^*\|^2}>0",
       assumptions=("BN optima through W*: {cW*: c > 0} (positive scaling only)", "⟨W₀, W*⟩ > 0 for the equality",
                    f"identity to {INIT_TOL:g}·(‖W₀‖² + ‖W*‖²)"))
def check_init_identity(*, seed: int, fast: bool) -> Outcome:
    """Lemma 4.5 of Santurkar et al. (2018) is an identity, and needs ``⟨W₀, W*⟩ > 0`` (MATH.md §8).

    Its right-hand side equals ``‖W₀‖² − ⟨W₀,W*⟩²/‖W*‖² = min_c ‖W₀ − cW*‖²``, attained at
    ``c* = ⟨W₀,W*⟩/‖W*‖²``; ``c*W*`` is a BN optimum only if ``c* > 0`` (a negative scale flips the
    BN output, MATH.md §1.3).  Battery: 40 (``fast``: 12) random pairs of shapes (5,), (2, 3), (4, 4)
    with ``⟨W₀,W*⟩ > 0``; measured: the largest gap between the printed right-hand side and the norm
    ``‖W₀ − c*W*‖²``, relative to ``‖W₀‖² + ‖W*‖²`` (tolerance 1e-12) — the lemma holds **with
    equality**.  Evidence: on a 2-D BN unit whose BN loss has a single local minimum in direction,
    ``L̂(cW*) = L̂(W*)`` for ``c > 0`` and ``L̂(−W*) > L̂(W*)``.

    Negative controls: the inequality without the sign condition — (1) on as many pairs with
    ``⟨W₀,W*⟩ < 0``, where every positive-scale optimum is farther than ``‖W₀‖`` (infimum at
    ``c → 0⁺``) while the right-hand side is ``‖W₀‖² − ⟨W₀,W*⟩²/‖W*‖²``; (2) the same on the 2-D BN
    unit, whose BN optima are exactly the ray ``{cW*: c > 0}``.
    """
    n = 12 if fast else 40
    gen = I.rng(seed, "smoothness.init-identity")
    shapes = [(5,), (2, 3), (4, 4)]
    pos, neg = [], []
    for k in range(2 * n):
        W0, Ws = gen.standard_normal(shapes[k % 3]), gen.standard_normal(shapes[k % 3])
        if (np.sum(W0 * Ws) > 0) != (k < n):
            Ws = -Ws
        (pos if k < n else neg).append(sm.init_terms(W0, Ws))
    gaps = [max(_rel(t.printed_rhs, t.dist_sq_line, t.norm_scale), _rel(t.closed_form, t.dist_sq_line, t.norm_scale),
                _rel(t.dist_sq_ray, t.printed_rhs, t.norm_scale)) for t in pos]
    neg_ratio = [t.dist_sq_ray / t.printed_rhs for t in neg]
    neg_violated = [t.dist_sq_ray - t.printed_rhs > INIT_TOL * t.norm_scale for t in neg]
    # the 2-D BN unit: BN optima = one ray
    X, loss, th, n_min, _ = circle_unit(seed)
    Ws = np.array([math.cos(th), math.sin(th)])
    L = {c: sm.batch_loss(c * Ws @ X, 2.0, 0.0, loss) for c in (1.0, 0.25, 4.0, -1.0)}
    W0 = -0.5 * Ws + np.array([-Ws[1], Ws[0]])
    unit = sm.init_terms(W0, Ws)
    cs = np.geomspace(1e-6, 1e2, 400)
    d_ray = float(np.min(np.sum((W0[None, :] - cs[:, None] * Ws[None, :]) ** 2, axis=1)))
    invariance = max(abs(L[0.25] - L[1.0]), abs(L[4.0] - L[1.0])) / abs(L[1.0])
    unit_ok = n_min == 1 and invariance <= 1e-13 and L[-1.0] > L[1.0]
    return Outcome(
        measured=max(gaps), bound=INIT_TOL, holds=max(gaps) <= INIT_TOL and unit_ok,
        method=f"{n} random pairs with ⟨W₀,W*⟩ > 0 (and {n} with < 0 for the control); a 2-D BN unit",
        evidence={"tolerance": INIT_TOL, "tolerance_why": "float cancellation of terms of size ‖W₀‖² + ‖W*‖²",
                  "c_star_min_positive": min(t.c_star for t in pos),
                  "bn_unit": {"m": 16, "theta_star": th, "local_minima_on_720_angles": n_min,
                              "L(W*)": L[1.0], "L(0.25 W*)": L[0.25], "L(4 W*)": L[4.0], "L(-W*)": L[-1.0],
                              "scale_invariance_rel_dev": invariance}},
        controls=[ControlResult.from_rejection(
                      "Lemma 4.5 with ⟨W₀,W*⟩ < 0 (Ŵ* the closest positive-scale optimum, inf at c → 0⁺)",
                      any(neg_violated), measured=max(neg_ratio), bound=1.0, ratio=max(neg_ratio),
                      detail={"n_pairs": n, "n_violated": sum(neg_violated),
                              "violation": f"inf_(c>0) ‖W₀ − cW*‖² − RHS > {INIT_TOL:g}·(‖W₀‖² + ‖W*‖²)",
                              "min_ratio_dist_over_rhs": min(neg_ratio), "max_ratio_dist_over_rhs": max(neg_ratio)}),
                  ControlResult.from_bound(
                      "Lemma 4.5 on the 2-D BN unit with W₀ = −W*/2 + W*⊥ (⟨W₀,W*⟩ = −1/2, ‖W*‖ = 1)",
                      d_ray, unit.printed_rhs,
                      detail={"inf_over_ray_on_grid_c_in_[1e-6,1e2]": d_ray, "printed_rhs": unit.printed_rhs,
                              "norm_W0_sq": float(W0 @ W0), "c_star": unit.c_star})])


#: The numerical checks of the section, in report order.
NUMERICAL: list = [check_grad_bound, check_hessian_bound, check_weight_bound, check_init_identity]


def checks(*, fast: bool = False, seed: int = 0, select=lambda _: True):
    """Yield the section's results (see :func:`proofs_check._symbolic.section_checks`)."""
    return section_checks(None, fast=fast, seed=seed, select=select, numerical=NUMERICAL)
