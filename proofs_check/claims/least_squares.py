r"""Article A's decoupling and least-squares statements, and article B's least-squares claim.

MATH.md §2 (the length–direction reparametrization), §3 (OLS, the Rayleigh quotient and its
rate), §8 (Cai et al.): each statement encoded as printed and decided by a derivation or a run.
"""

from __future__ import annotations

import sympy as sp

from bntheory.symbolic import ols
from bntheory.symbolic.geometry import s_geometry
from bntheory.symbolic.verify import verify_identity

from ._ladder import identity_finding
from .core import claim

#: Explicit dimension of the symbolic least-squares claims (proof rung).
_D = 2


def _objective_claim(stated, *, fast: bool, seed: int):
    """``f_OLS(w, γ)`` as stated, a function of ``(γ, uᵀw, ‖w‖_S)``, against eq. (11) derived by
    substituting ``w̃ = γw/‖w‖_S`` into ``2uᵀw̃ + w̃ᵀSw̃`` (:func:`bntheory.symbolic.ols.ols_objective_bn`)."""
    geo = s_geometry(_D)
    g = ols.LENGTH
    derived = ols.ols_objective_bn(_D, g).subs(sp.sqrt(geo.wSw), geo.r)
    claimed = stated(g, (geo.u.T * geo.w)[0, 0], geo.r)
    v = verify_identity(claimed, derived, relations=[geo.relation], domain=geo.domain, condition=geo.condition,
                        points=2, seed=seed)
    return identity_finding(v, instance={"d": _D}, evidence={"derived": sp.latex(derived)},
                            note="the printed objective differs from the substitution of w̃ = γw/‖w‖_S at this exact point")


@claim("A-ols-reparam", "A", "Least-square problem",
       r"f_{OLS}(w,\gamma)=2\gamma\frac{u^Tw}{\|w\|_S+\gamma^2}",
       stated=lambda g, uw, r: 2 * g * uw / (r + g**2),
       variants=(lambda g, uw, r: g**2 + 2 * g * uw / r,           # the same, terms reordered: true
                 lambda g, uw, r: 2 * g * uw / r - g**2),          # a flipped sign: false
       corrected=(r"f_{OLS}(w,\gamma)=2\gamma\frac{u^Tw}{\|w\|_S}+\gamma^2", lambda g, uw, r: 2 * g * uw / r + g**2))
def a_ols_reparam(stated, *, fast: bool, seed: int):
    """The BN objective of OLS (MATH.md §3, the paper's eq. 11): the printed denominator
    ``‖w‖_S + γ²`` is decided against the substitution of ``w̃ = γw/‖w‖_S``."""
    return _objective_claim(stated, fast=fast, seed=seed)
