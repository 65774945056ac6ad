"""bntheory.symbolic.mlp (MATH.md §6): structure, per-unit reduction, critical points, controls."""

from __future__ import annotations

import numpy as np
import pytest

from bntheory.errors import ModelValidityError, ParameterError
from bntheory.symbolic import mlp as M
from bntheory.symbolic.halfspace import halfspace_symbols
from bntheory.symbolic.ols import rho_grad
from bntheory.symbolic.verify import CONSISTENT, PROVED, REFUTED, verify_identity

IDS = list(M.DERIVATION_IDS)  # the stable ids the catalog selects on


@pytest.fixture(scope="module")
def ders3():
    return {x.id: x for x in M.derivations(d=3, points=3)}


def test_ids_are_stable(ders3):
    assert list(ders3) == IDS


def test_every_derivation_passes_and_controls_are_refuted(ders3, derivation_id, check_derivation):
    check_derivation(ders3[derivation_id], CONSISTENT if "quadrature" in derivation_id else PROVED)


def test_tanh_quadrature_1e12_and_control():
    S, u, W, theta = M.mlp_quadrature_instance(3)
    res = M.mlp_quadrature(S, u, W, theta, tensor_nodes=60)
    assert np.abs(res.reduced - res.structure).max() < 1e-12
    assert np.abs(res.tensor - res.structure).max() < 1e-12
    assert np.abs(res.control - res.structure).max() > 1e-3          # cross terms β₁₂ matter
    assert abs(res.beta[0, 1] - res.beta[1, 0]) < 1e-15               # β symmetric


def test_per_unit_reduction_fails_for_generic_other_unit():
    hs = halfspace_symbols(3)
    rel = [hs.geo.relation]
    grho = rho_grad(3, u=hs.Sv)
    gw, _ = M.per_unit_gradient(3, other="generic")
    minors = [gw[0] * grho[j] - gw[j] * grho[0] for j in (1, 2)]
    res = verify_identity(minors, [0, 0], relations=rel, points=3, prove=False, domain=hs.domain)
    assert res.status == REFUTED
    gl, c = M.per_unit_gradient(3, other="line")
    uw = (hs.Sv.T * hs.geo.w)[0, 0]
    assert verify_identity(gl, -(hs.g * hs.geo.r * c / (2 * uw)) * grho, relations=rel,
                           points=2, domain=hs.domain).status == PROVED


def test_singular_beta_example_has_off_line_critical_points(ders3):
    der = ders3["mlp.critical-points.singular"]
    assert der.verification.status == PROVED
    assert any("on the line" in c.description and c.rejected for c in der.controls)


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2"])
def test_bad_sizes_raise_naming_them(bad):
    with pytest.raises(ParameterError, match="d = "):
        M.derivations(d=bad)
    with pytest.raises(ParameterError, match="m = "):
        M.gradient_structure("exp", 2, bad)


def test_unknown_surrogate_loss_and_other_raise():
    with pytest.raises(ParameterError, match="'relu'"):
        M.gradient_structure("relu", 2)
    with pytest.raises(ParameterError, match="'diagonal'"):
        M.per_unit_gradient(2, other="diagonal")
    S, u, W, theta = M.mlp_quadrature_instance(2)
    with pytest.raises(ParameterError, match="'hinge'"):
        M.mlp_quadrature(S, u, W, theta, loss="hinge")
    with pytest.raises(ModelValidityError):
        M.mlp_quadrature(np.eye(2), np.array([1.0, 0.1]), W, theta)


@pytest.mark.slow
def test_d4_all_proved():
    for der in M.derivations(d=4, points=2):
        assert der.passed, der.id
