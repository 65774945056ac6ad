r"""Each theorem's right-hand side, evaluated on a solver's trace (MATH.md §3, §3.1, §4.5, §6).

Every function takes the problem and a :class:`~bntheory.solvers.result.SolverResult` and returns a
:class:`BoundTrace`: the measured quantity read from the trace, the bound at the same iterates, the
constants used (``μ``, ``L``, ``ζ``, ``Φ``, ``C`` — computed from the problem and the trace, never
assumed) and the precision floor below which the measured values are noise (MATH.md §9.1).
:func:`bntheory.rates.check_bound` compares the two.

Several functions take a ``power`` or ``seed`` argument: these exist for the *negative controls*
of MATH.md §7 (a deliberately wrong rate that a sound check must reject).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from .errors import ParameterError, ShapeMismatchError
from .solvers._common import geometry
from .validation import as_finite_array, finite_scalar, spd_matrix

__all__ = [
    "BoundTrace", "ols_bound", "gd_ols_bound", "pencil_sigma", "pencil_ratio_bound",
    "ols_ratio_bound", "length_bound", "phi_from_trace", "direction_bound", "halfspace_bound",
    "C_from_trace", "C_projected_from_trace", "C_apriori", "network_bound", "scale_direction_term",
    "REL_FLOOR", "LENGTH_FLOOR",
]

#: Relative precision floor on Rayleigh gaps (× |ρ*|), MATH.md §9.1.
REL_FLOOR = 1e-7
#: Absolute floor on ``(∂_g f)²``: ``∂_g f`` is resolved to about 1e-10 by the quadrature.
LENGTH_FLOOR = 1e-20


@dataclass
class BoundTrace:
    """A bound evaluated along a trace.

    Attributes
    ----------
    name : str
    measured, bound : ndarray
        Same length; ``nan`` in ``bound`` marks iterates where the theorem does not apply.
    scale : float
        Scale of ``measured``; ``floor`` is ``REL_FLOOR·scale`` unless stated otherwise.
    floor : float
        Absolute precision floor (MATH.md §9.1).
    constants : dict
        The constants the bound used (``mu``, ``L``, ``zeta``, ``Phi``, …).
    reference : str
        Paper section / MATH.md section.
    """

    name: str
    measured: np.ndarray
    bound: np.ndarray
    scale: float
    floor: float
    constants: dict = field(default_factory=dict)
    reference: str = ""

    def check(self, **kwargs):
        """Shortcut for :func:`bntheory.rates.check_bound` with this trace's floor."""
        from .rates import check_bound

        kwargs.setdefault("floor", self.floor)
        return check_bound(self, **kwargs)


def _mu_L(problem, res):
    """``μ = λ_min(S)`` from the problem, ``L`` as used by the run (``L ≥ λ_max(S)``)."""
    G = geometry(problem)
    return G, G.mu, float(res.get("L", G.L))


def ols_bound(problem, res, *, power: int = 2) -> BoundTrace:
    r"""OLS theorem: ``ρ(w_t) − ρ* ≤ (1 − μ/L)^{2t} (ρ(w₀) − ρ*)`` (MATH.md §3).

    Parameters
    ----------
    problem : OLSProblem or ``(S, u)``
    res : SolverResult
        A Rayleigh-GD or GDNP run (arrays ``gap``; scalar ``L``).
    power : int
        Exponent factor of the rate: ``2`` is the theorem; ``4`` gives the too-fast rate
        ``(1 − μ/L)^{4t}`` used as a negative control.

    References
    ----------
    Kohler et al. (2019), Section 3, Theorem 1; MATH.md §3.

    Examples
    --------
    >>> import numpy as np
    >>> from bntheory.solvers.rayleigh import rayleigh_gd
    >>> P = (np.diag([1.0, 0.25]), np.array([1.0, 1.0]))
    >>> bt = ols_bound(P, rayleigh_gd(P, [1.0, 0.1], 30))
    >>> bt.check().holds, ols_bound(P, rayleigh_gd(P, [1.0, 0.1], 30), power=4).check().holds
    (True, False)
    """
    G, mu, L = _mu_L(problem, res)
    gap = np.asarray(res["gap"], dtype=float)
    t = np.arange(gap.size)
    rs = float(res.get("rho_star", G.rho_star))
    return BoundTrace(
        name=f"OLS rate (1-mu/L)^({power}t)", measured=gap,
        bound=(1.0 - mu / L) ** (power * t) * gap[0], scale=abs(rs), floor=REL_FLOOR * abs(rs),
        constants={"mu": mu, "L": L, "rho_star": rs, "rho0_gap": float(gap[0]), "power": power},
        reference="Kohler et al. 2019, Sec. 3, Thm 1; MATH.md §3")


def gd_ols_bound(problem, res, *, power: int = 2) -> BoundTrace:
    r"""Plain GD on the convex ``f_OLS``: ``f(w̃_t) − f* ≤ (1 − μ/L)^{2t}(f(w̃₀) − f*)`` (MATH.md §3).

    Valid for the step ``1/(2L)`` (the Hessian is ``2S``); ``res`` is a :func:`~bntheory.solvers.gd.gd`
    run with ``gap``.
    """
    G, mu, L = _mu_L(problem, res)
    step = float(res["step"])
    if step > 1.0 / (2.0 * L) * (1 + 1e-12):
        raise ParameterError(f"the GD rate needs step ≤ 1/(2L) = {1 / (2 * L):.6g}, got step = {step:.6g}")
    gap = np.asarray(res["gap"], dtype=float)
    t = np.arange(gap.size)
    scale = max(abs(float(res["f_star"])), float(gap[0]))
    return BoundTrace(
        name=f"GD on f_OLS (1-mu/L)^({power}t)", measured=gap,
        bound=(1.0 - mu / L) ** (power * t) * gap[0], scale=scale, floor=REL_FLOOR * scale,
        constants={"mu": mu, "L": L, "step": step}, reference="MATH.md §3 (comparison)")


def pencil_sigma(B, A, L=None, *, seed: bool = False) -> float:
    r"""The rate ``σ`` of the generalised Rayleigh lemma for the pencil ``(B, A)`` (MATH.md §3.1).

    .. math:: σ = 1 − \frac{μ}{L}\,\frac{λ_1 − λ_2}{λ_1 − λ_{min}},

    with ``λ`` the eigenvalues of the pencil (``scipy.linalg.eigh(B, A)``), ``μ = λ_min(A)``,
    ``L ≥ λ_max(A)``.  ``seed=True`` returns the seed article's ``σ`` without the factor ``μ/L``
    (a claim under test: it is violated on random pencils).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.diag([1.0, 0.5]); u = np.array([1.0, 1.0])
    >>> pencil_sigma(np.outer(u, u), S), pencil_sigma(np.outer(u, u), S, seed=True)
    (0.5, 0.0)
    """
    A = spd_matrix("A", A)
    B = as_finite_array("B", B, ndim=2)
    if B.shape != A.shape:
        raise ShapeMismatchError(f"B has shape {B.shape} but A has shape {A.shape}")
    lam = scipy.linalg.eigh(0.5 * (B + B.T), A, eigvals_only=True)[::-1]
    evA = np.linalg.eigvalsh(A)
    L = float(evA[-1]) if L is None else finite_scalar("L", L)
    spread = float(lam[0] - lam[-1])
    if spread <= 0:
        raise ParameterError("the pencil (B, A) has a single eigenvalue: σ is undefined")
    frac = float(lam[0] - lam[1]) / spread
    return float(1.0 - frac) if seed else float(1.0 - (evA[0] / L) * frac)


def _ratio_trace(rt, lam1, lam2, sigma, name, constants, reference) -> BoundTrace:
    """Per-step lemma check: ``ε(w_{t+1}) ≤ σ² ε(w_t)``, ``ε = (λ₁ − ρ̃)/(ρ̃ − λ₂)``."""
    rt = np.asarray(rt, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = (lam1 - rt) / (rt - lam2)
    applies = (rt[:-1] > lam2) & (rt[:-1] < lam1)
    bound = np.where(applies, sigma ** 2 * eps[:-1], np.nan)
    scale = (abs(lam1) + abs(lam2)) / (lam1 - lam2)
    return BoundTrace(name=name, measured=eps[1:], bound=bound, scale=scale,
                      floor=REL_FLOOR * scale, constants=dict(constants, sigma=sigma),
                      reference=reference)


def pencil_ratio_bound(B, A, res, *, seed: bool = False) -> BoundTrace:
    r"""Generalised Rayleigh lemma, per step, on a :func:`~bntheory.solvers.rayleigh.pencil_ascent` run.

    ``measured[t] = ε(w_{t+1})``, ``bound[t] = σ² ε(w_t)`` where ``λ₂ < ρ̃(w_t) < λ₁`` (elsewhere
    the lemma does not apply and the bound is ``nan``), ``ε = (λ₁ − ρ̃)/(ρ̃ − λ₂)``.

    References
    ----------
    Knyazev & Neymeyr (2003); Argentati et al. (2017); Kohler et al. (2019), Lemma in Sec. 3;
    MATH.md §3.1.
    """
    lam = np.asarray(res["pencil_eigenvalues"], dtype=float)
    L = float(res["L"])
    sigma = pencil_sigma(B, A, L, seed=seed)
    return _ratio_trace(res["rho_tilde"], float(lam[0]), float(lam[1]), sigma,
                        "Rayleigh lemma" + (" (seed σ, no μ/L)" if seed else ""),
                        {"lambda": lam, "mu": float(res["mu"]), "L": L, "seed": seed},
                        "MATH.md §3.1")


def ols_ratio_bound(problem, res, *, seed: bool = False) -> BoundTrace:
    r"""The lemma's per-step form for OLS: ``(ρ⁺ − ρ*)/|ρ⁺| ≤ (1 − μ/L)² (ρ − ρ*)/|ρ|`` (MATH.md §3.1).

    This is the pencil ``(uuᵀ, S)``: ``λ₁ = −ρ*``, ``λ₂ = λ_min = 0``, ``σ = 1 − μ/L``; ``seed=True``
    uses the seed's ``σ = 1 − (λ₁−λ₂)/(λ₁−λ_min) = 0``.
    """
    G, mu, L = _mu_L(problem, res)
    rs = float(res.get("rho_star", G.rho_star))
    sigma = 0.0 if seed else 1.0 - mu / L
    return _ratio_trace(-np.asarray(res["rho"], dtype=float), -rs, 0.0, sigma,
                        "OLS per-step ratio" + (" (seed σ)" if seed else ""),
                        {"mu": mu, "L": L, "rho_star": rs}, "MATH.md §3.1")


def _zeta(problem) -> float:
    """Smoothness ``ζ`` of ``f_LH``: ``problem.zeta``, else ``sup|φ''|·L`` (MATH.md §4.1)."""
    z = getattr(problem, "zeta", None)
    if z is None:
        z = float(problem.loss.sup_d2) * geometry(problem).L
    return float(z)


def length_bound(problem, res, *, form: str = "paper") -> BoundTrace:
    r"""Bisection bound on ``(∂_g f(w_t, a_t^{(T_s)}))²`` (MATH.md §4.5).

    ``form="paper"``: ``2^{−T_s} ζ |b_t^{(0)} − a_t^{(0)}| / μ²``;
    ``form="lipschitz"``: ``(ζ/μ)² 4^{−T_s} |b_t^{(0)} − a_t^{(0)}|²`` (``g ↦ ∂_g f`` is
    ``ζ/μ``-Lipschitz).  ``res`` is a GDNP run (arrays ``dg``, ``width0``; scalar ``T_s``).
    Iterates whose length search was capped (no finite optimal length) get a ``nan`` bound.

    References
    ----------
    Kohler et al. (2019), Sec. 4, bisection lemma; MATH.md §4.5.
    """
    G = geometry(problem)
    mu, zeta, T_s = G.mu, _zeta(problem), int(res["T_s"])
    W = np.asarray(res["width0"], dtype=float)
    if form == "paper":
        bound = 2.0 ** (-T_s) * zeta * W / mu ** 2
    elif form == "lipschitz":
        bound = (zeta / mu) ** 2 * 4.0 ** (-T_s) * W ** 2
    else:
        raise ParameterError(f"form must be 'paper' or 'lipschitz', got form = {form!r}")
    capped = np.asarray(res.get("capped", np.zeros(W.size, bool)), dtype=bool)
    bound = np.where(capped, np.nan, bound)
    return BoundTrace(name=f"length bound ({form})", measured=np.asarray(res["dg"]) ** 2,
                      bound=bound, scale=1.0, floor=LENGTH_FLOOR,
                      constants={"mu": mu, "zeta": zeta, "T_s": T_s}, reference="MATH.md §4.5")


def _constant_on_trace(sup: float, given, name: str, symbol: str, what: str, needs: str) -> float:
    """``sup`` (the supremum measured on the trace), or the user's ``given`` value checked against it."""
    if given is None:
        return sup
    given = finite_scalar(name, given)
    if given < sup * (1 - 1e-12):
        raise ParameterError(f"{symbol} = {given:.6g} is below {what} = {sup:.6g} on the trace: {needs}")
    return given


def phi_from_trace(res, Phi=None) -> float:
    r"""``Φ = sup_t |c₁(w̃_t)|`` on the trace, or a user-given ``Φ`` checked against it (MATH.md §4.5).

    Raises
    ------
    ParameterError
        If the given ``Φ`` is smaller than ``sup_t |c₁(w̃_t)|``: the proof needs ``|c₁| ≤ Φ``.

    Examples
    --------
    >>> phi_from_trace({"c1": [0.1, -0.3]})
    0.3
    >>> phi_from_trace({"c1": [0.1, -0.3]}, Phi=0.25)
    Traceback (most recent call last):
    ...
    bntheory.errors.ParameterError: Φ = 0.25 is below sup_t |c₁(w̃_t)| = 0.3 on the trace: the direction bound needs |c₁| ≤ Φ
    """
    sup = float(np.max(np.abs(np.asarray(res["c1"], dtype=float))))
    return _constant_on_trace(sup, Phi, "Phi", "Φ", "sup_t |c₁(w̃_t)|", "the direction bound needs |c₁| ≤ Φ")


def direction_bound(problem, res, *, Phi=None, power: int = 2) -> BoundTrace:
    r"""Direction bound of GDNP (MATH.md §4.5):

    .. math:: ‖w_t‖_S^2 ‖∇_w f(w_t, g_t)‖^2_{S^{-1}} ≤ (1 − μ/L)^{2t} Φ^2 g_t^2 (ρ(w_0) − ρ^*).

    ``res`` is a GDNP run with ``diagnostics=True`` (array ``dir_grad_sq``).
    """
    G, mu, L = _mu_L(problem, res)
    Phi = phi_from_trace(res, Phi)
    gap = np.asarray(res["gap"], dtype=float)
    g = np.asarray(res["g"], dtype=float)
    t = np.arange(gap.size)
    rs = float(res["rho_star"])
    bound = (1.0 - mu / L) ** (power * t) * Phi ** 2 * g ** 2 * gap[0]
    scale = abs(rs) * Phi ** 2 * float(np.max(g ** 2))
    return BoundTrace(name="GDNP direction bound", measured=np.asarray(res["dir_grad_sq"], dtype=float),
                      bound=bound, scale=scale, floor=REL_FLOOR * scale,
                      constants={"mu": mu, "L": L, "Phi": Phi, "rho0_gap": float(gap[0])},
                      reference="Kohler et al. 2019, Sec. 4; MATH.md §4.5")


def halfspace_bound(problem, res, *, Phi=None, norm: str = "S_inv", length_form: str = "paper",
                    power: int = 2) -> BoundTrace:
    r"""Main halfspace theorem at every iterate ``t`` (MATH.md §4.5):

    .. math:: ‖∇_{\tilde w} f(\tilde w_t)‖^2_{S^{-1}} ≤ (1 − μ/L)^{2t} Φ^2 (ρ(w_0) − ρ^*)
              + 2^{−T_s} ζ |b_t^{(0)} − a_t^{(0)}| / μ^2,

    with ``w̃_t = g_t w_t/‖w_t‖_S``.  ``norm="euclidean"`` compares ``‖∇f‖²`` with ``L`` times the
    right-hand side (``‖v‖² ≤ L‖v‖²_{S⁻¹}``); ``length_form="lipschitz"`` uses the Lipschitz form of
    the length term.
    """
    Phi = phi_from_trace(res, Phi)
    bt = _theorem_bound(problem, res, Phi ** 2, norm, length_form, power,
                        f"halfspace theorem ({norm}, length {length_form})",
                        "Kohler et al. 2019, Sec. 4, main theorem; MATH.md §4.5")
    bt.constants["Phi"] = Phi
    return bt


def _theorem_bound(problem, res, coef_sq, norm, length_form, power, name, reference) -> BoundTrace:
    """``(1 − μ/L)^{power·t} coef_sq (ρ(w₀) − ρ*) + length term`` against ``‖∇f(w̃_t)‖²`` (shared by
    :func:`halfspace_bound` and :func:`network_bound`, whose proofs are the same S⁻¹ split)."""
    G, mu, L = _mu_L(problem, res)
    gap = np.asarray(res["gap"], dtype=float)
    t = np.arange(gap.size)
    rs = float(res["rho_star"])
    lb = length_bound(problem, res, form=length_form)
    bound = (1.0 - mu / L) ** (power * t) * coef_sq * gap[0] + lb.bound
    if norm == "S_inv":
        measured, factor = np.asarray(res["grad_dual_sq"], dtype=float), 1.0
    elif norm == "euclidean":
        measured, factor = np.asarray(res["grad_sq"], dtype=float), L
    else:
        raise ParameterError(f"norm must be 'S_inv' or 'euclidean', got norm = {norm!r}")
    scale = factor * abs(rs) * coef_sq
    return BoundTrace(name=name, measured=measured, bound=factor * bound, scale=scale,
                      floor=max(REL_FLOOR * scale, factor * LENGTH_FLOOR),
                      constants={"mu": mu, "L": L, "zeta": lb.constants["zeta"],
                                 "T_s": lb.constants["T_s"], "rho0_gap": float(gap[0]),
                                 "norm_factor": factor, "power": power},
                      reference=reference)


def C_from_trace(res, C=None) -> float:
    r"""The network constant ``C = sup_t ĉ₁(w̃_t)²`` on a unit's GDNP trace, or a given ``C`` checked
    against it (MATH.md §6).

    ``ĉ₁(w̃_t)`` (the trace's ``c1``) is unit ``i``'s **u-coefficient**: the least-squares
    coefficient of ``u`` in the projected gradient ``∇_{w̃⁽ⁱ⁾} f`` (exactly the Stein coefficient
    ``α_i − Σ_j β_ij uᵀw̃⁽ʲ⁾`` when every other unit is zero or parallel to ``S⁻¹u``).  ``C``
    bounds its square along the run -- the role ``Φ²`` plays for one halfspace (MATH.md §4.5):
    the proof uses ``‖w_t‖²_S ‖∇_w f‖²_{S⁻¹} = g_t² ĉ₁(w̃_t)² (ρ(w_t) − ρ*) ≤ g_t² C (ρ(w_t) − ρ*)``.

    **An a-posteriori constant.**  ``C`` is read off the very quantity the direction term bounds,
    so at the iterate where ``ĉ₁²`` attains its supremum that inequality is an equality by
    construction (a bound check then has ratio ≈ 1 there, up to the length term): a pass shows
    the ``S⁻¹`` split and the rate ``(1 − μ/L)^{2t}``, not that an a-priori constant exists.
    MATH.md §6's a-priori candidate is :func:`C_apriori`.

    Raises
    ------
    ParameterError
        If the given ``C`` is below ``sup_t ĉ₁(w̃_t)²``.

    Examples
    --------
    >>> C_from_trace({"c1": [0.1, -0.3]})
    0.09
    """
    sup = float(np.max(np.asarray(res["c1"], dtype=float) ** 2))
    return _constant_on_trace(sup, C, "C", "C", "sup_t ĉ₁(w̃_t)²", "the network bound needs ĉ₁² ≤ C")


def _trace_arrays(res, keys, what: str) -> list:
    """``res[k]`` as float arrays; a :class:`ParameterError` naming the missing keys (and that
    ``what`` needs a GDNP run with ``diagnostics=True``) instead of a bare ``KeyError``."""
    missing = [k for k in keys if k not in res]
    if missing:
        raise ParameterError(f"{what} needs the trace entries {', '.join(keys)}; missing: {', '.join(missing)} "
                             "(run gdnp with diagnostics=True)")
    return [np.asarray(res[k], dtype=float) for k in keys]


def C_projected_from_trace(res) -> float:
    r"""``C_P = sup_t ‖P_t ∇_{w̃⁽ⁱ⁾} f(w̃_t)‖²_{S⁻¹} / (ρ(w_t) − ρ*)`` on a unit's GDNP trace (MATH.md §6).

    ``P_t`` is the ``S⁻¹``-orthogonal projector of :meth:`~bntheory.problems.SGeometry.projected_u_coefficient`;
    by the ``S⁻¹`` split (MATH.md §2, §4.5) ``‖P_t∇f‖²_{S⁻¹} = ‖∇f‖²_{S⁻¹} − (∂_g f)²``, read off the
    trace's ``grad_dual_sq`` and ``dg`` (``diagnostics=True``).  When every other unit is zero or
    parallel to ``S⁻¹u`` the projected gradient is ``ĉ₁ P_t u`` and ``C_P = sup_t ĉ₁² =``
    :func:`C_from_trace`.  Otherwise (a unit ``i ≥ 2`` of the ``1..m`` scheme after finitely many
    steps of the units before it) ``‖P_t∇f‖²`` exceeds ``ĉ₁²(ρ − ρ*)`` by the part of the gradient
    outside ``span{u, S w̃⁽ⁱ⁾}``, and ``C = sup ĉ₁²`` does **not** make the direction term an upper
    bound (tests/test_network.py: unit 2, ratio 1.0058 at ``t = 0``); ``C_P`` is the constant
    that does, at the iterates where ``ρ(w_t) − ρ* > 10⁻⁷|ρ*|`` (MATH.md §9.1; nearer the optimum
    the quotient is noise and is skipped).

    **An a-posteriori constant**, like :func:`C_from_trace`: it is the supremum of the measured
    direction quantity over the gap, so the direction term equals the measured one at the
    supremum point by construction (ratio ≈ 1 there).  It says which constant the bound *would*
    need on this trace, not that the theorem supplies it (compare :func:`C_apriori`).

    Raises
    ------
    ParameterError
        If the trace lacks ``grad_dual_sq``/``dg``/``gap``/``rho_star`` (a run without
        ``diagnostics=True``; the message names the missing entries), or if no iterate of the
        trace is above that floor.

    Examples
    --------
    >>> C_projected_from_trace({"gap": [1.0], "dg": [0.0], "rho_star": -1.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bntheory.errors.ParameterError: C_P needs the trace entries ...; missing: grad_dual_sq (run gdnp with diagnostics=True)
    """
    gd, dg, gap, rs = _trace_arrays(res, ("grad_dual_sq", "dg", "gap", "rho_star"), "C_P")
    proj = gd - dg ** 2
    ok = gap > REL_FLOOR * abs(float(rs))
    if not ok.any():
        raise ParameterError("C_P needs an iterate with ρ(w_t) − ρ* above the precision floor; none on this trace")
    return float(np.max(np.maximum(proj[ok], 0.0) / gap[ok]))


#: Relative tolerance of "parallel to S⁻¹u" in :func:`C_apriori` (``S``-norm residual²).
_PARALLEL_RTOL = 1e-10


def C_apriori(unit_problem, res) -> dict:
    r"""MATH.md §6's candidate **a-priori** constant for unit ``i``: a bound on ``ĉ₁(w̃_t)²`` from the
    constants of ``ℓ`` and ``tanh`` instead of from ``ĉ₁`` itself.

    In the exact case (every other unit zero or ``w̃⁽ʲ⁾ = c_j S⁻¹u``), Stein's lemma for
    ``z ~ N(u, S − uuᵀ)`` with ``ψ = θ_i ℓ'(F) tanh'(zᵀw̃⁽ⁱ⁾)`` gives the u-coefficient

    .. math:: ĉ_1 = E[ψ] − E[∂_iψ]\,u^\top\tilde w^{(i)} + \sum_{j≠i} E[∂_jψ]\,c_j(1 − u^\top S^{-1}u),

    with ``|ψ| ≤ |θ_i| β₁``, ``|∂_iψ| ≤ θ_i² β₂ + |θ_i| β₁ sup|tanh''| = ζ_i/L`` (the unit's
    smoothness, :meth:`~bntheory.problems.OneHiddenLayer.zeta_unit`), ``|∂_jψ| ≤ |θ_iθ_j| β₂``,
    ``|c_j| = ‖w̃⁽ʲ⁾‖_S/√(uᵀS⁻¹u)`` and ``|uᵀw̃_t⁽ⁱ⁾| = |g_t a_t|`` (β₁ = sup|ℓ'|, β₂ = sup|ℓ''|).  Hence

    .. math:: C_{\rm a\,priori} = \sup_t \big(|θ_i|β_1 + (ζ_i/L)|g_t a_t|
              + |θ_i|β_2 \textstyle\sum_{j≠i}|θ_j|\,‖\tilde w^{(j)}‖_S (1 − u^\top S^{-1}u)/\sqrt{u^\top S^{-1}u}\big)^2
              = θ_i^2 β_1^2 K^2,

    MATH.md §6's "``θ_i² sup|ℓ'|²`` times the ``c₁``-type factor" ``K²``.  It uses no value of
    ``ĉ₁``: only ``θ``, the loss's and ``tanh``'s derivative bounds, the fixed units' lengths and
    the iterates' ``|g_t a_t|`` (the length is the algorithm's, not the bounded quantity).

    Parameters
    ----------
    unit_problem : HiddenUnitProblem
        The problem unit ``i`` was trained on (``net.unit(i, W)``).
    res : SolverResult
        Its GDNP trace (``g``, ``a``).

    Returns
    -------
    dict
        ``C_apriori``; ``theta_sq_sup_lprime_sq`` (``θ_i²β₁²``, the factor alone) and ``K`` (the
        ``c₁``-type factor, ``C_apriori = θ_i²β₁²K²``).

    Raises
    ------
    ParameterError
        If another unit is neither zero nor parallel to ``S⁻¹u`` (the formula is the exact
        case's), or the trace lacks ``g``/``a``.
    """
    net, i = unit_problem.net, int(unit_problem.i)
    g, a = _trace_arrays(res, ("g", "a"), "C_apriori")
    b1, b2 = float(net.loss.sup_d1), float(net.loss.sup_d2)
    th = np.asarray(net.theta, dtype=float)
    uSu = float(net.uSu)
    cross = 0.0
    for j, wj in enumerate(np.asarray(unit_problem._W_fixed, dtype=float)):
        if j == i:
            continue
        nj2 = float(wj @ net.S @ wj)
        if nj2 == 0.0:
            continue
        along = float(net.u @ wj) ** 2 / uSu  # ⟨w, S⁻¹u⟩_S² / ‖S⁻¹u‖²_S: the S-norm² along S⁻¹u
        if nj2 - along > _PARALLEL_RTOL * nj2:
            raise ParameterError(f"C_apriori is the exact case's constant: unit {j} is neither zero nor parallel "
                                 f"to S⁻¹u (S-norm residual² {nj2 - along:.3g} of {nj2:.3g})")
        cross += abs(th[j]) * np.sqrt(nj2)
    K_t = (abs(th[i]) * b1 + float(net.zeta_unit(i)) / float(net.L) * np.abs(g * a)
           + abs(th[i]) * b2 * cross * (1.0 - uSu) / np.sqrt(uSu))
    Ca = float(np.max(K_t) ** 2)
    lead = float(th[i] ** 2 * b1 ** 2)
    K = float(np.sqrt(Ca / lead)) if lead > 0 else float("nan")
    return {"C_apriori": Ca, "theta_sq_sup_lprime_sq": lead, "K": K}


def scale_direction_term(bt: BoundTrace, shrink: float, length=None, *, name: str | None = None) -> BoundTrace:
    r"""A theorem bound with its direction term multiplied by ``shrink``: ``shrink·(bound − length) + length``.

    The negative controls of MATH.md §4.5 and §6 ("``Φ = inf_t|c₁|`` instead of ``sup_t``", "``C =
    inf_t ĉ₁²`` instead of ``sup_t``"): with ``shrink = inf/sup`` of the constant this is the bound
    of :func:`direction_bound` (``length=None``), :func:`halfspace_bound` or :func:`network_bound`
    with the constant replaced by its infimum on the trace (the given-constant argument of those
    functions refuses a value below the supremum, by design).  ``length`` is the length term in
    the bound's own units (``length_bound(...).bound`` for the ``S⁻¹`` norm).  Measured values,
    scale and floor are ``bt``'s.
    """
    L_t = 0.0 if length is None else np.asarray(length, dtype=float)
    return BoundTrace(name=name or f"{bt.name}, direction term x{shrink:.3g}", measured=bt.measured,
                      bound=shrink * (np.asarray(bt.bound, dtype=float) - L_t) + L_t, scale=bt.scale,
                      floor=bt.floor, constants={**bt.constants, "direction_shrink": float(shrink)},
                      reference=bt.reference)


def network_bound(unit_problem, res, *, C=None, norm: str = "S_inv", length_form: str = "paper",
                  power: int = 2) -> BoundTrace:
    r"""The per-unit bound of the alternating GDNP (MATH.md §6), at every iterate ``t`` of unit ``i``:

    .. math:: ‖∇_{\tilde w^{(i)}} f(\tilde w_t^{(i)})‖^2_{S^{-1}} ≤ (1 − μ/L)^{2t}\, C\,
              (ρ(w_0^{(i)}) − ρ^*) + 2^{−T_s^{(i)}} ζ |b_t^{(0)} − a_t^{(0)}| / μ^2.

    ``C`` dominates the squared u-coefficient ``ĉ₁(w̃_t)²`` of unit ``i`` along the run
    (:func:`C_from_trace`); ``ζ`` is the unit's smoothness
    :meth:`~bntheory.problems.OneHiddenLayer.zeta_unit` (the problem's ``zeta``).  The bound is a
    theorem when every other unit is zero or parallel to ``S⁻¹u`` (then the unit's direction
    iterates are the Rayleigh iterates); otherwise it is an experiment.  ``length_form``,
    ``norm`` and ``power`` as in :func:`halfspace_bound`.

    Parameters
    ----------
    unit_problem : HiddenUnitProblem
        The problem unit ``i`` was trained on (``alternating_gdnp(...).problems[i]``).
    res : SolverResult
        Its GDNP trace with ``diagnostics=True`` (``alternating_gdnp(...).units[i]``).

    References
    ----------
    Kohler et al. (2019), Section 5, Theorem 5; MATH.md §6.
    """
    C = C_from_trace(res, C)
    bt = _theorem_bound(unit_problem, res, C, norm, length_form, power,
                        f"network unit bound ({norm}, length {length_form})",
                        "Kohler et al. 2019, Sec. 5; MATH.md §6")
    bt.constants["C"] = C
    return bt
