"""Shared helpers of the symbolic-derivation tests (tests/test_symbolic_*.py).

Every named derivation (:class:`bntheory.symbolic.derivation.Derivation`) is tested the same way:
the statement reaches the expected rung of the ladder and every negative control is refuted with
a counterexample (MATH.md §7: "a check that cannot fail proves nothing").

* ``check_derivation`` — a fixture returning that assertion;
* ``derivation_id`` — parametrized over the test module's ``IDS`` (its stable derivation ids).
"""

from __future__ import annotations

import pytest


def _check_derivation(der, status: str = "proved") -> None:
    """Assert that ``der`` holds with ``status`` and that every negative control was refuted.

    A refuted control carries a counterexample: a point at which the two sides differ.
    """
    assert der.verification.status == status, (der.id, der.verification.note)
    assert der.passed and der.controls, der.as_dict()
    for control in der.controls:
        assert control.rejected, (der.id, control.description)
        ce = control.verification.counterexample
        assert ce is not None and ce.point and ce.lhs != ce.rhs, (der.id, control.description)


@pytest.fixture
def check_derivation():
    """The assertion every named derivation must pass: ``check_derivation(der, status="proved")``."""
    return _check_derivation


def pytest_generate_tests(metafunc):
    """Parametrize ``derivation_id`` over the test module's ``IDS``."""
    if "derivation_id" in metafunc.fixturenames:
        metafunc.parametrize("derivation_id", metafunc.module.IDS)
