r"""MATH.md §8 (Arora, Li, Lyu 2019): scale invariance of a BN logistic model, checked numerically.

On finite batches ``X ∈ Rⁿˣᵈ`` with ±1 labels, ``F(w) = mean_i log(1 + exp(−y_i(γ BN(Xw)_i + β)))``
with BN over the batch at ``ε = 0`` (:class:`bntheory.scale_invariance.BNLogistic`) is scale
invariant, and the identities of Arora, Li and Lyu (2019, the scale-invariance lemma) are checked
at many ``w`` and along GD runs: ``w ⊥ ∇F(w)``, the norm identity of a GD step, ``∇F(cw) = ∇F(w)/c`` over twelve
decades of ``c``, ``∇²F(w)w = −∇F(w)`` (exact Hessian-vector product), and GD = normalised GD with
the self-tuning step ``η/‖w_t‖²``.  MATH.md §2 proves the first three symbolically for the
population objective (``reparam.*``); here they hold on the finite-batch model, which is new.

Every float comparison is against a stated floor (MATH.md §9): :func:`point_floor` (``8·n·u·A(w)``)
for one identity at one point, :data:`FLOOR` per GD step of the norm identity, :data:`DIRECTION_FLOOR`
plus the run's own measured amplification of an ulp for directions after ``T`` GD steps, and
:data:`FD_FLOOR` for the Hessian-vector product against central differences.  Every check has the
wrong statement as a control and BN at ``ε = 1e-5`` (PyTorch's default) as a second one: there the
identities break by ``O(ε/σ_B²)`` (MATH.md §9 pitfall 2), far above the floor at ``σ_B ≲ 1``.
"""

from __future__ import annotations

import numpy as np

from bntheory import scale_invariance as si

from . import _instances as I
from ._symbolic import section_checks
from .result import ControlResult, Outcome, check, json_number

SECTION = "MATH.md §8 (Arora, Li, Lyu 2019)"

#: Unit roundoff u = 2⁻⁵³.
U = np.finfo(float).eps / 2
#: Constant of the pointwise floor ``8·n·u·A(w)``: a few chained sums of n terms (Higham's γ_n ≈ n·u
#: each: Σδ, Σδx̂ in the backward pass, ``Xᵀ(·)``, the residual's own dot product), two gradients for
#: the scaling identity.  Measured residual/(n·u·A): ≤ 0.26 on this battery (seeds 0–7), ≤ 1.2 on
#: 3000 random small instances (n = 4..39, tests/test_scale_invariance.py's generator).
FLOOR_FACTOR = 8.0
#: Floor for one GD step of the norm identity, relative to ``‖w_{t+1}‖²``: ~10⁴u.  The squared norms
#: of d ≤ 10 vectors and the step round at ≈ 2(d+2)u, plus ``2η|wᵀ∇F|/‖w‖²`` from the cosine's
#: rounding (≤ 1e-13 on this battery): ≲ 1e-13; 1e-12 leaves a margin.
FLOOR = 1e-12
#: Base floor for ``‖w_t/‖w_t‖ − v_t‖`` after T ≤ 200 steps (T times the per-step floor, ×1/2); a run
#: that amplifies rounding adds its own measured amplification (``check_normalised_gd``).
DIRECTION_FLOOR = 1e-10
#: Floor for the exact Hessian-vector product against central differences of the exact gradient with
#: step ``h = 1e-5`` (relative to ``‖w‖``): truncation ``O(h²) ≈ 1e-10``, rounding ``u/h ≈ 1e-11``,
#: both times O(1)–O(10³) derivative ratios of this battery.
FD_FLOOR = 1e-6
#: The stabiliser of the ε > 0 controls (PyTorch's default).
EPS_CONTROL = 1e-5
#: The scales of the gradient-scaling check: twelve decades, ``c = 1`` excluded (every variant holds there).
SCALES = tuple(10.0**k for k in range(-6, 7) if k != 0)
SCALES_FAST = (1e-6, 1e-2, 1e3, 1e6)


def _instances(seed: int, tag: str, fast: bool):
    """The battery: ``(label, X, y, γ, β, generator)``; ``X`` anisotropic (column scales log-uniform in
    [0.3, 3]), off-centre, labels from a noisy teacher.  ``fast``: the first two instances."""
    shapes = ((64, 5, 2.0, 0.3), (16, 3, 0.7, -1.0), (128, 10, 1.0, 0.0), (32, 4, -1.5, 0.5))
    out = []
    for k, (n, d, gamma, beta) in enumerate(shapes[:2] if fast else shapes):
        gen = I.rng(seed, tag, k)
        X = gen.standard_normal((n, d)) * 10 ** gen.uniform(-0.5, 0.5, d) + gen.normal(0.0, 1.0, d)
        y = np.where(X @ gen.standard_normal(d) + 0.5 * gen.standard_normal(n) >= 0, 1.0, -1.0)
        out.append((f"n={n} d={d} gamma={gamma:g} beta={beta:g}", X, y, gamma, beta, gen))
    return out


def _points(gen, d: int, k: int, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
    """``k`` points: Gaussian directions with norms log-uniform in ``[10^lo, 10^hi]``."""
    v = gen.standard_normal((k, d))
    return v / np.linalg.norm(v, axis=1, keepdims=True) * 10 ** gen.uniform(lo, hi, (k, 1))


def _sigma_b(X, w) -> float:
    return float(np.std(X @ w))


def point_floor(F: si.BNLogistic, w) -> float:
    r"""The floor of one identity's relative residual at ``w``: ``8·n·u·A(w)`` (MATH.md §9).

    ``A(w) = ‖X‖₂‖t‖/‖∇F(w)‖`` (:func:`~bntheory.scale_invariance.rounding_amplification`, ``t`` the
    absolute terms of the compact BN backward pass) is how much the cancellations in ``∂F/∂x`` and in
    ``∇F = Xᵀ ∂F/∂x`` amplify rounding; it grows near stationary points, where a fixed floor would
    report rounding as a violation (seen: cosines of 8e-14 at ‖∇F(w/‖w‖)‖ ≈ 1e-3 and n = 16).
    """
    return FLOOR_FACTOR * F.n * U * si.rounding_amplification(F, w)


# --------------------------------------------------------------------------- w ⊥ ∇F(w)
_FLOOR_TEX = r"8\,n\,u\,A(w),\ A(w)=\|X\|_2\|t\|/\|\nabla F(w)\|"


@check("scale-invariance.orthogonality", SECTION,
       r"F(cw)=F(w)\ \forall c>0 \;\Rightarrow\; w^\top\nabla F(w)=0:\quad "
       r"\frac{|w^\top\nabla F(w)|}{\|w\|\,\|\nabla F(w)\|}\le " + _FLOOR_TEX,
       assumptions=("BN over the batch at ε = 0", "floor 8·n·u·A(w), t = |terms| of the BN backward (MATH.md §9)"))
def check_orthogonality(*, seed: int, fast: bool) -> Outcome:
    """``w ⊥ ∇F(w)`` for the BN logistic model (MATH.md §8; Arora, Li, Lyu 2019, scale-invariance lemma).

    The cosine ``|wᵀ∇F|/(‖w‖‖∇F‖)`` at 40 points per instance (``‖w‖`` log-uniform in
    ``[1e-2, 1e2]``) on 4 instances (``fast``: 10 points, 2 instances); ``∇F`` from the verified BN
    backward pass.  Measured: the largest cosine over its point's floor :func:`point_floor`.

    Negative control: BN at ``ε = 1e-5`` at the same points is not scale invariant; its cosine
    (``wᵀ∇F = γ ε/(σ_B²+ε) Σ_k δ_k x̂_k``, MATH.md §1.3) exceeds the floor.
    """
    k = 10 if fast else 40
    rows, worst, ctrl, ctrl_scaled = [], 0.0, 0.0, []
    for label, X, y, gamma, beta, gen in _instances(seed, "scale-invariance.orthogonality", fast):
        F = si.BNLogistic(X, y, gamma=gamma, beta=beta)
        Fe = si.BNLogistic(X, y, gamma=gamma, beta=beta, eps=EPS_CONTROL)
        res, ratio, ratio_e, floors = [], [], [], []
        for w in _points(gen, X.shape[1], k):
            floors.append(point_floor(F, w))
            res.append(si.orthogonality_residual(F, w))
            ratio.append(res[-1] / floors[-1])
            res_e = si.orthogonality_residual(Fe, w)
            ratio_e.append(res_e / floors[-1])
            ctrl_scaled.append(res_e * _sigma_b(X, w) ** 2 / EPS_CONTROL)
        worst, ctrl = max(worst, max(ratio)), max(ctrl, max(ratio_e))
        rows.append({"instance": label, "n_points": k, "max_cosine": json_number(max(res)),
                     "max_cosine_over_floor": json_number(max(ratio)), "max_floor": json_number(max(floors)),
                     "max_eps_1e-5_cosine_over_floor": json_number(max(ratio_e))})
    return Outcome(
        measured=worst, bound=1.0, method=f"cosine / floor at {sum(r['n_points'] for r in rows)} points, float64",
        evidence={"floor": "8 n u A(w)", "norm_range": [1e-2, 1e2], "instances": rows},
        controls=[ControlResult.from_bound(
            "BN at ε = 1e-5 (not scale invariant), cosine / floor", ctrl, 1.0,
            detail={"eps": EPS_CONTROL, "cosine_times_sigmaB2_over_eps_range":
                    [json_number(min(ctrl_scaled)), json_number(max(ctrl_scaled))]})])


# --------------------------------------------------------------------------- ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇F‖²
def _runs(seed: int, tag: str, fast: bool):
    """GD settings ``(label, X, y, γ, β, w0, η)``: per instance, starts with ‖w0‖ log-uniform in
    [0.3, 3] and η such that the effective step ``η/‖w0‖²`` is 0.3, 3 and 30."""
    out = []
    for label, X, y, gamma, beta, gen in _instances(seed, tag, fast):
        for eff in ((3.0, 30.0) if fast else (0.3, 3.0, 30.0)):
            w0 = _points(gen, X.shape[1], 1, np.log10(0.3), np.log10(3.0))[0]
            out.append((f"{label} eta/|w0|^2={eff:g}", X, y, gamma, beta, w0, eff * float(w0 @ w0)))
    return out


@check("scale-invariance.step-norm", SECTION,
       r"w_{t+1}=w_t-\eta\nabla F(w_t)\;\Rightarrow\;\|w_{t+1}\|^2=\|w_t\|^2+\eta^2\|\nabla F(w_t)\|^2:\quad"
       r"\frac{|\|w_{t+1}\|^2-\|w_t\|^2-\eta^2\|\nabla F(w_t)\|^2|}{\|w_{t+1}\|^2}\le 10^{-12}",
       assumptions=("BN at ε = 0", "fixed η > 0", "floor 1e-12 per step (MATH.md §9)"))
def check_step_norm(*, seed: int, fast: bool) -> Outcome:
    """The norm identity of a GD step on the BN logistic model (MATH.md §8; Arora, Li, Lyu 2019,
    scale-invariance lemma).

    Along GD runs of 100 steps (``fast``: 40) on 4 instances × effective steps ``η/‖w0‖² ∈ {0.3, 3,
    30}`` (``fast``: 2 × {3, 30}), every step's residual relative to ``‖w_{t+1}‖²`` is compared with
    :data:`FLOOR`; so is the telescoped form ``‖w_T‖² = ‖w_0‖² + η²Σ_t‖∇F(w_t)‖²`` (floor ``T·FLOOR``).
    ``‖w_t‖`` never decreases; its growth per run is reported.

    Negative controls: (1) the statement without the ``η²`` term, ``‖w_{t+1}‖² = ‖w_t‖²``, on the
    same runs exceeds the floor; (2) GD with BN at ``ε = 1e-5`` breaks the identity
    (``wᵀ∇F ≠ 0``) beyond the floor.
    """
    T = 40 if fast else 100
    rows, worst, tele, wrong, eps_ctrl = [], 0.0, 0.0, 0.0, 0.0
    for label, X, y, gamma, beta, w0, eta in _runs(seed, "scale-invariance.step-norm", fast):
        tr = si.gd_trace(si.BNLogistic(X, y, gamma=gamma, beta=beta), w0, eta, T)
        te = si.gd_trace(si.BNLogistic(X, y, gamma=gamma, beta=beta, eps=EPS_CONTROL), w0, eta, T)
        r = si.step_norm_residuals(tr)
        n2 = np.sum(tr.w**2, axis=1)
        t_res = abs(n2[-1] - n2[0] - eta**2 * float(np.sum(tr.grad[:-1] ** 2))) / n2[-1]
        c0, ce = float(np.max(si.step_norm_residuals(tr, coef=0.0))), float(np.max(si.step_norm_residuals(te)))
        worst, tele, wrong, eps_ctrl = max(worst, float(r.max())), max(tele, t_res), max(wrong, c0), max(eps_ctrl, ce)
        rows.append({"run": label, "eta": json_number(eta), "max_residual": json_number(r.max()),
                     "telescoped_residual": json_number(t_res), "norm_growth": json_number(np.sqrt(n2[-1] / n2[0])),
                     "norm_nondecreasing": bool(np.all(np.diff(n2) >= 0)), "no_eta2_term_residual": json_number(c0),
                     "eps_1e-5_residual": json_number(ce)})
    return Outcome(
        measured=worst, bound=FLOOR, holds=bool(worst <= FLOOR and tele <= T * FLOOR),
        method=f"GD, {T} steps, {len(rows)} runs",
        evidence={"floor": FLOOR, "telescoped_floor": T * FLOOR, "max_telescoped_residual": json_number(tele),
                  "n_steps": T, "runs": rows},
        controls=[ControlResult.from_bound("‖w_{t+1}‖² = ‖w_t‖² (no η² term)", wrong, FLOOR),
                  ControlResult.from_bound("GD with BN at ε = 1e-5", eps_ctrl, FLOOR, detail={"eps": EPS_CONTROL})])


# --------------------------------------------------------------------------- ∇F(cw) = ∇F(w)/c
@check("scale-invariance.gradient-scaling", SECTION,
       r"\nabla F(cw)=\nabla F(w)/c\ \ (c>0):\quad \frac{\|c\,\nabla F(cw)-\nabla F(w)\|}{\|\nabla F(w)\|}\le "
       + _FLOOR_TEX + r",\ c\in\{10^{-6},\dots,10^{6}\}",
       assumptions=("BN at ε = 0", "c > 0", "floor 8·n·u·A(w), t = |terms| of the BN backward (MATH.md §9)"))
def check_gradient_scaling(*, seed: int, fast: bool) -> Outcome:
    """``∇F(cw) = ∇F(w)/c``: the gradient is homogeneous of degree −1 (MATH.md §8; Arora, Li, Lyu 2019,
    scale-invariance lemma).

    At 10 points per instance (``‖w‖`` log-uniform in ``[1e-2, 1e2]``) on 4 instances, for
    ``c = 10^k``, ``k = −6..6``, ``k ≠ 0`` (``fast``: 4 points, 2 instances, ``c ∈ {1e-6, 1e-2, 1e3,
    1e6}``).  Measured: the largest relative residual over its point's floor :func:`point_floor`.
    Consequence shown in the evidence: ``‖∇F(cw)‖`` alone falls like ``1/c`` while the stationarity
    ``‖∇F(cw/‖cw‖)‖`` does not move (MATH.md §9 pitfall 5).

    Negative controls: (1) the wrong statement ``∇F(cw) = ∇F(w)/c²`` (residual ``|c − 1|``) exceeds
    the floor; (2) BN at ``ε = 1e-5`` is not homogeneous (small ``c`` drives ``σ_B²`` below ``ε``).
    """
    k, scales = (4, SCALES_FAST) if fast else (10, SCALES)
    rows, worst, wrong, eps_ctrl = [], 0.0, 0.0, 0.0
    for label, X, y, gamma, beta, gen in _instances(seed, "scale-invariance.gradient-scaling", fast):
        F = si.BNLogistic(X, y, gamma=gamma, beta=beta)
        Fe = si.BNLogistic(X, y, gamma=gamma, beta=beta, eps=EPS_CONTROL)
        res = []
        for w in _points(gen, X.shape[1], k):
            fl = point_floor(F, w)
            res.append([si.gradient_scaling_residual(F, w, c) / fl for c in scales])
            wrong = max(wrong, max(si.gradient_scaling_residual(F, w, c, power=2) / fl for c in scales))
            eps_ctrl = max(eps_ctrl, max(si.gradient_scaling_residual(Fe, w, c) / fl for c in scales))
        res = np.array(res)
        worst = max(worst, float(res.max()))
        rows.append({"instance": label, "n_points": k, "max_residual_over_floor": json_number(res.max()),
                     "max_residual_over_floor_per_c": [json_number(x) for x in res.max(axis=0)]})
    _, X, y, gamma, beta, _ = _instances(seed, "scale-invariance.gradient-scaling", True)[0]
    F = si.BNLogistic(X, y, gamma=gamma, beta=beta)
    w = _points(I.rng(seed, "scale-invariance.gradient-scaling/raw"), F.d, 1, 0.0, 0.0)[0]
    raw = {f"{c:g}": [json_number(np.linalg.norm(F.grad(c * w))), json_number(F.stationarity(c * w))]
           for c in (1e-2, 1.0, 1e2, 1e4)}
    return Outcome(
        measured=worst, bound=1.0, method=f"{len(scales)} scales c at {k} points x {len(rows)} instances",
        evidence={"floor": "8 n u A(w)", "scales": [json_number(c) for c in scales], "instances": rows,
                  "grad_norm_and_normalised_stationarity_at_cw": raw,
                  "note": "‖∇F(cw)‖ falls like 1/c while ‖∇F(cw/‖cw‖)‖ is constant: report the latter"},
        controls=[ControlResult.from_bound("∇F(cw) = ∇F(w)/c² (residual / floor)", wrong, 1.0),
                  ControlResult.from_bound("BN at ε = 1e-5 (residual / floor)", eps_ctrl, 1.0,
                                           detail={"eps": EPS_CONTROL})])


# --------------------------------------------------------------------------- ∇²F(w) w = −∇F(w)
@check("scale-invariance.hessian", SECTION,
       r"\nabla^2F(w)\,w=-\nabla F(w):\quad \frac{\|\nabla^2F(w)\,w+\nabla F(w)\|}{\|\nabla F(w)\|}\le " + _FLOOR_TEX,
       assumptions=("BN at ε = 0", "exact Hessian-vector product (forward mode), cross-checked by central "
                    "differences to 1e-6", "floor 8·n·u·A(w), t = |terms| of the BN backward (MATH.md §9)"))
def check_hessian(*, seed: int, fast: bool) -> Outcome:
    """``∇²F(w)w = −∇F(w)`` (MATH.md §8; Arora, Li, Lyu 2019, scale-invariance lemma).

    Derivation: differentiate ``∇F(cw) = c⁻¹∇F(w)`` in ``c`` at ``c = 1``: ``∇²F(w)w = −∇F(w)``.
    Checked with the exact Hessian-vector product :meth:`~bntheory.scale_invariance.BNLogistic.hvp`
    at 20 points per instance on 4 instances (``fast``: 6 points, 2 instances).  Measured: the
    largest relative residual over its point's floor :func:`point_floor`.  Holds also requires that
    ``hvp`` agrees with central differences of the exact gradient (``h = 1e-5‖w‖``) along a random
    direction at every point within :data:`FD_FLOOR` (so the identity is not a property of a wrong
    ``hvp``).

    Negative controls: (1) the sign-flipped statement ``∇²F(w)w = +∇F(w)`` (residual 2);
    (2) BN at ``ε = 1e-5`` breaks the identity beyond the floor.
    """
    k = 6 if fast else 20
    rows, worst, fd_worst, wrong, eps_ctrl = [], 0.0, 0.0, 0.0, 0.0
    for label, X, y, gamma, beta, gen in _instances(seed, "scale-invariance.hessian", fast):
        F = si.BNLogistic(X, y, gamma=gamma, beta=beta)
        Fe = si.BNLogistic(X, y, gamma=gamma, beta=beta, eps=EPS_CONTROL)
        res, fd = [], []
        for w in _points(gen, X.shape[1], k):
            fl = point_floor(F, w)
            res.append(si.hessian_residual(F, w) / fl)
            v = gen.standard_normal(X.shape[1])
            v *= np.linalg.norm(w) / np.linalg.norm(v)
            h = 1e-5
            hv = F.hvp(w, v)
            hv_fd = (F.grad(w + h * v) - F.grad(w - h * v)) / (2 * h)
            fd.append(float(np.linalg.norm(hv - hv_fd) / np.linalg.norm(hv)))
            wrong = max(wrong, si.hessian_residual(F, w, sign=1.0) / fl)
            eps_ctrl = max(eps_ctrl, si.hessian_residual(Fe, w) / fl)
        worst, fd_worst = max(worst, max(res)), max(fd_worst, max(fd))
        rows.append({"instance": label, "n_points": k, "max_residual_over_floor": json_number(max(res)),
                     "max_hvp_vs_central_differences": json_number(max(fd))})
    return Outcome(
        measured=worst, bound=1.0, holds=bool(worst <= 1.0 and fd_worst <= FD_FLOOR),
        method=f"exact Hessian-vector product at {sum(r['n_points'] for r in rows)} points, residual / floor",
        evidence={"floor": "8 n u A(w)", "fd_floor": FD_FLOOR, "fd_step": "1e-5 ‖w‖ (direction v with ‖v‖ = ‖w‖)",
                  "max_hvp_vs_central_differences": json_number(fd_worst), "instances": rows},
        controls=[ControlResult.from_bound("∇²F(w)w = +∇F(w) (residual / floor)", wrong, 1.0),
                  ControlResult.from_bound("BN at ε = 1e-5 (residual / floor)", eps_ctrl, 1.0,
                                           detail={"eps": EPS_CONTROL})])


# --------------------------------------------------------------------------- GD = normalised GD, step η/‖w_t‖²
#: Relative size of the start perturbation that measures how much a run amplifies rounding (8u).
PERTURBATION = 8 * U
#: Safety factor on the measured amplification: GD and normalised GD differ by a few u at *every* step,
#: not only at the start; observed gap/A_T ≤ 2.1 over seeds 0–9 (reported per run as gap_over_amplification).
AMPLIFICATION_FACTOR = 10.0
#: The ε > 0 control of ``normalised-gd`` runs on the first instance's runs only (time budget).
EPS_CONTROL_RUNS = 2
#: A run resolves the statement if its floor is below this (the fixed-step control moves directions by O(1)).
RESOLVING_FLOOR = 1e-6


def _amplification(F, w0, eta: float, T: int, gen, tr) -> float:
    """``A_T = max_t ‖w_t/‖w_t‖ − w'_t/‖w'_t‖‖`` for GD from ``w0`` and from ``w0 + ξ``, ``‖ξ‖ = 8u‖w0‖``,
    ``ξ`` random: how far the run itself carries an ulp-level perturbation (near
    the edge of stability, by 10⁹ and more)."""
    xi = gen.standard_normal(w0.shape)
    xi *= PERTURBATION * np.linalg.norm(w0) / np.linalg.norm(xi)
    other = si.gd_trace(F, w0 + xi, eta, T).directions
    return float(np.max(np.linalg.norm(tr.directions - other, axis=1)))


@check("scale-invariance.normalised-gd", SECTION,
       r"v_{t+1}=\frac{v_t-(\eta/\|w_t\|^2)\nabla F(v_t)}{\|v_t-(\eta/\|w_t\|^2)\nabla F(v_t)\|}"
       r"\;\Rightarrow\; v_t=\frac{w_t}{\|w_t\|}:\quad \max_{t\le T}\Bigl\|\frac{w_t}{\|w_t\|}-v_t\Bigr\|"
       r"\le 10^{-10}+10\,A_T",
       assumptions=("BN at ε = 0", "‖w_t‖ tracked by the norm identity",
                    "A_T: the run's own amplification of an 8u start perturbation (MATH.md §9)"))
def check_normalised_gd(*, seed: int, fast: bool) -> Outcome:
    """GD on a scale-invariant ``F`` is normalised GD with the self-tuning step ``η/‖w_t‖²`` (MATH.md §8;
    Arora, Li, Lyu 2019).

    GD ``w_{t+1} = w_t − η∇F(w_t)`` and normalised GD ``v_{t+1} = normalise(v_t − (η/r_t²)∇F(v_t))``
    with ``r_{t+1}² = r_t² + η²‖∇F(v_t)‖²/r_t²`` (:func:`~bntheory.scale_invariance.normalised_gd`,
    which never sees ``w_t``) are run side by side for 150 steps (``fast``: 60) on 4 instances ×
    effective steps ``η/‖w0‖² ∈ {0.3, 3, 30}`` (``fast``: 2 × {3, 30}).

    Floor, per run: ``1e-10 + 10·A_T``, where ``A_T`` is the largest direction gap between GD from
    ``w0`` and GD from ``w0 + ξ``, ``‖ξ‖ = 8u‖w0‖`` random.  The two runs differ by rounding only,
    and a run near the edge of stability (effective step ``η/‖w_t‖²`` near ``2/λ``) amplifies an
    ulp by ``10⁹`` or more in 150 steps, so a fixed floor would be either vacuous or wrong.
    Measured: the largest ``gap/floor`` over runs (also for ``|r_t − ‖w_t‖|/‖w_t‖``).  Holds if it is
    ``≤ 1`` and at least half of the runs resolve the statement (floor ``≤ 1e-6``).  The evidence
    shows why stationarity is reported at the normalised point (MATH.md §9 pitfall 5): per run, the
    drop of ``‖∇F(w_t)‖`` against that of ``‖∇F(v_t)‖``, which differ by the growth ``‖w_T‖/‖w_0‖``.

    Negative controls: (1) normalised GD with the fixed step ``η`` (no ``1/‖w_t‖²``) leaves GD's
    directions far beyond each run's floor; (2) with BN at ``ε = 1e-5`` (on the first instance's
    runs) GD is not normalised GD: ``∇F(v_t) ≠ ‖w_t‖∇F(w_t)`` and the directions part beyond the floor.
    """
    T = 60 if fast else 150
    rows, worst, ctrl, eps_ctrl, resolving = [], 0.0, 0.0, 0.0, 0
    for k, (label, X, y, gamma, beta, w0, eta) in enumerate(_runs(seed, "scale-invariance.normalised-gd", fast)):
        F = si.BNLogistic(X, y, gamma=gamma, beta=beta)
        tr = si.gd_trace(F, w0, eta, T)
        ng = si.normalised_gd(F, w0, eta, T)
        amp = _amplification(F, w0, eta, T, I.rng(seed, "scale-invariance.normalised-gd/xi", k), tr)
        floor = DIRECTION_FLOOR + AMPLIFICATION_FACTOR * amp
        gap = float(np.max(si.direction_gap(tr, ng)))
        norms = np.linalg.norm(tr.w, axis=1)
        r_gap = float(np.max(np.abs(ng.r - norms) / norms))
        fixed = float(np.max(si.direction_gap(tr, si.normalised_gd(F, w0, eta, T, self_tuning=False))))
        worst, ctrl = max(worst, gap / floor, r_gap / floor), max(ctrl, fixed / floor)
        if k < EPS_CONTROL_RUNS:
            Fe = si.BNLogistic(X, y, gamma=gamma, beta=beta, eps=EPS_CONTROL)
            eps_gap = float(np.max(si.direction_gap(si.gd_trace(Fe, w0, eta, T), si.normalised_gd(Fe, w0, eta, T))))
            eps_ctrl = max(eps_ctrl, eps_gap / floor)
        resolving += floor <= RESOLVING_FLOOR
        stat = [F.stationarity(tr.w[0]), F.stationarity(tr.w[-1])]
        rows.append({"run": label, "eta": json_number(eta), "max_direction_gap": json_number(gap),
                     "max_rel_norm_gap": json_number(r_gap), "amplification": json_number(amp),
                     "floor": json_number(floor), "gap_over_amplification": json_number(gap / amp if amp else None),
                     "fixed_step_direction_gap": json_number(fixed),
                     "norm_growth": json_number(norms[-1] / norms[0]),
                     "effective_step_first_last": [json_number(ng.steps[0]), json_number(ng.steps[-1])],
                     "raw_grad_norm_drop": json_number(np.linalg.norm(tr.grad[-1]) / np.linalg.norm(tr.grad[0])),
                     "normalised_stationarity_drop": json_number(stat[1] / stat[0])})
    return Outcome(
        measured=worst, bound=1.0, holds=bool(worst <= 1.0 and 2 * resolving >= len(rows)),
        method=f"GD vs normalised GD, {T} steps, {len(rows)} runs; gap / (1e-10 + 10 A_T)",
        evidence={"base_floor": DIRECTION_FLOOR, "amplification_factor": AMPLIFICATION_FACTOR,
                  "perturbation": json_number(PERTURBATION), "resolving_floor": RESOLVING_FLOOR,
                  "n_resolving_runs": int(resolving), "n_steps": T,
                  "note": "raw_grad_norm_drop = normalised_stationarity_drop / norm_growth: ‖∇F(w_t)‖ overstates "
                          "convergence by the norm growth", "runs": rows},
        controls=[ControlResult.from_bound("normalised GD with the fixed step η (gap / floor)", ctrl, 1.0),
                  ControlResult.from_bound("GD and normalised GD with BN at ε = 1e-5 (gap / floor)", eps_ctrl, 1.0,
                                           detail={"eps": EPS_CONTROL, "n_runs": EPS_CONTROL_RUNS})])


#: The numerical checks of the section, in report order.
NUMERICAL: list = [check_orthogonality, check_step_norm, check_gradient_scaling, check_hessian, check_normalised_gd]


def checks(*, fast: bool = False, seed: int = 0, select=lambda _: True):
    """Yield the section's results (see :func:`proofs_check._symbolic.section_checks`)."""
    return section_checks(None, fast=fast, seed=seed, select=select, numerical=NUMERICAL)
