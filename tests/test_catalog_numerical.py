"""The numerical theorems of the ``bntheory verify`` catalog (issue #5 item 1; MATH.md §3–§6, §7).

Every numerical check of proofs_check/{ols,rayleigh,halfspace,network}.py passes in ``fast`` mode
with every negative control rejected, reports plain JSON-able evidence, and gives bit-identical
results for one seed in two processes.  Per section, one test shows that the machinery can fail:
a bound replaced by a wrong one (or a control that is not wrong) turns the check's status to
``"fail"`` (MATH.md §7: a check that cannot fail proves nothing).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bntheory import bounds
from proofs_check import halfspace, network, ols, rayleigh
from proofs_check.result import CheckResult

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = {"ols": ols, "rayleigh": rayleigh, "halfspace": halfspace, "network": network}
CHECKS = [fn for mod in SECTIONS.values() for fn in mod.NUMERICAL]
IDS = [fn.id for fn in CHECKS]
SEED = 0


@pytest.fixture(scope="module")
def fast_results() -> dict:
    """Every numerical check run once in fast mode (seed 0): ``{id: CheckResult}``."""
    return {fn.id: fn(seed=SEED, fast=True) for fn in CHECKS}


def _plain(x, path="evidence"):
    """Assert that ``x`` holds only plain JSON types (no numpy scalars or arrays, no non-finite floats)."""
    if isinstance(x, dict):
        for k, v in x.items():
            assert isinstance(k, str), (path, k)
            _plain(v, f"{path}.{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x):
            _plain(v, f"{path}[{i}]")
    else:
        assert x is None or type(x) in (bool, int, float, str), (path, type(x))
        assert not (type(x) is float and not math.isfinite(x)), (path, x)


def _no_timing(d):
    return {k: v for k, v in d.items() if k != "seconds"}


def test_catalog_lists_the_expected_checks():
    """The ids of issue #5 item 1, in report order, distinct from the symbolic ids of the same sections."""
    from bntheory.symbolic import halfspace as sh, mlp, ols as so

    assert IDS == ["ols.rate", "ols.rate.tight", "ols.gd-rate", "ols.rate.mpmath", "ols.rate.float-tail",
                   "rayleigh.pencil-ratio", "rayleigh.ols-ratio", "halfspace.gauss-rule.mpmath", "halfspace.gdnp-equals-rayleigh.trace",
                   "halfspace.length-bound.paper", "halfspace.length-bound.lipschitz",
                   "halfspace.direction-bound", "halfspace.theorem", "network.unit-bound"]
    assert len(set(IDS)) == len(IDS)
    assert not set(IDS) & set(so.DERIVATION_IDS + sh.DERIVATION_IDS + mlp.DERIVATION_IDS)
    for name, mod in SECTIONS.items():
        for fn in mod.NUMERICAL:
            assert fn.id.startswith(name + ".") and "MATH.md §" in fn.section
            doc = fn.__doc__ or ""
            assert "MATH.md §" in doc and "control" in doc.lower(), fn.id


@pytest.mark.parametrize("check_id", IDS)
def test_check_passes_fast(fast_results, check_id):
    """Each check passes in fast mode, every control rejected, with JSON-able evidence that states the seed."""
    r: CheckResult = fast_results[check_id]
    assert r.kind == "numerical" and r.holds, (check_id, r.measured, r.bound)
    assert r.controls and all(c.rejected for c in r.controls), [c.as_dict() for c in r.controls]
    assert r.status == "pass"
    assert r.evidence["seed"] == SEED and r.evidence["fast"] is True
    _plain(r.evidence)
    for c in r.controls:
        _plain(c.detail, f"{check_id} control")
    json.dumps(r.as_dict(), allow_nan=False)
    assert isinstance(r.measured, float) and isinstance(r.bound, float)


def test_same_seed_is_bit_identical_across_processes(fast_results):
    """Seed 0 in a fresh interpreter gives exactly the same reports (timings aside); seed 1 differs."""
    code = ("import json; from proofs_check import ols, rayleigh, halfspace, network\n"
            "out = {fn.id: fn(seed=%d, fast=True).as_dict() for m in (ols, rayleigh, halfspace, network) "
            "for fn in m.NUMERICAL}\nprint(json.dumps(out))")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="12345")
    other = json.loads(subprocess.run([sys.executable, "-c", code % SEED], capture_output=True, text=True,
                                      check=True, cwd=ROOT, env=env).stdout)
    here = {k: json.loads(json.dumps(r.as_dict())) for k, r in fast_results.items()}
    assert {k: _no_timing(v) for k, v in other.items()} == {k: _no_timing(v) for k, v in here.items()}
    # control: another seed draws other instances
    assert ols.check_ols_rate(seed=SEED + 1, fast=True).evidence != fast_results["ols.rate"].evidence


# --------------------------------------------------------------------------- the machinery can fail
def test_ols_check_fails_with_a_faster_rate(monkeypatch):
    """§3: with the bound replaced by the rate (1−μ/L)^{4t}, the tight-case check fails."""
    orig = bounds.ols_bound
    monkeypatch.setattr(bounds, "ols_bound", lambda P, r, power=2: orig(P, r, power=4))
    r = ols.check_ols_rate_tight(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"


def test_rayleigh_check_fails_with_the_seed_sigma(monkeypatch):
    """§3.1: with σ replaced by the seed's σ (no μ/L) everywhere, the pencil check fails."""
    orig = bounds.pencil_sigma
    monkeypatch.setattr(bounds, "pencil_sigma", lambda B, A, L=None, *, seed=False: orig(B, A, L, seed=True))
    r = rayleigh.check_pencil_ratio(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail" and r.ratio > 1.0


def test_halfspace_check_fails_with_phi_inf(monkeypatch):
    """§4.5: with Φ = inf_t |c₁| instead of sup_t |c₁|, the direction bound fails."""
    monkeypatch.setattr(bounds, "phi_from_trace", lambda res, Phi=None: float(np.min(np.abs(res["c1"]))))
    r = halfspace.check_direction_bound(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"


def test_halfspace_check_fails_when_its_control_is_accepted(monkeypatch):
    """§4.3: if the 'plain Gauss–Hermite' control were the default rule itself, the control is accepted
    and the check fails although its statement holds."""
    from bntheory.gauss import DEFAULT_RULE

    monkeypatch.setattr(halfspace, "GaussRule", lambda **kw: DEFAULT_RULE)
    r = halfspace.check_gauss_rule(seed=SEED, fast=True)
    assert r.holds and not r.controls[0].rejected and r.status == "fail"


def test_network_check_fails_with_C_inf(monkeypatch):
    """§6: with C = inf_t ĉ₁² instead of sup_t ĉ₁², the per-unit bound fails."""
    monkeypatch.setattr(bounds, "C_from_trace", lambda res, C=None: float(np.min(np.asarray(res["c1"]) ** 2)))
    r = network.check_network_unit_bound(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"


@pytest.mark.slow
@pytest.mark.parametrize("check_id", IDS)
def test_check_passes_default(check_id):
    """The default (larger) batteries pass too, every control rejected."""
    fn = CHECKS[IDS.index(check_id)]
    r = fn(seed=SEED, fast=False)
    assert r.status == "pass", (r.measured, r.bound, [c.as_dict() for c in r.controls])
    json.dumps(r.as_dict(), allow_nan=False)
