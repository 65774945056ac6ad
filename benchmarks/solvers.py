"""Timing of the solvers (issue #4, acceptance item 6): writes benchmarks/solvers.json.

* d = 2000 (Gaussian halfspace, logistic, T_s = 20, diagnostics off: the algorithm's own work):
  one GDNP iteration vs one dense ``S @ w``, target ratio ≤ 1.5.  The per-iteration cost is the
  **whole run** (set-up, the T_d + 1 products ``S @ w`` of the T_d steps and the final point,
  every length search, the outputs) divided by T_d, at T_d = 10 and T_d = 100; also the marginal
  cost (time(12) − time(2))/10.  Each repeat times ``S @ w`` and the runs back to back, so a load
  change on the shared machine hits both; ratios are per repeat, reported as median and range;
  the 1-minute load average is recorded before and after.  Rayleigh-GD likewise.  The same GDNP
  runs at d = 10 give the d-independent part (length searches and bookkeeping).
* iterations/second of Rayleigh-GD and GDNP at d ∈ {100, 1000, 4000} (whole runs of T_d = 100).
* an empirical-data iteration (n = 1e5, d = 100): one BN-GD iteration on EmpiricalHalfspace vs two
  passes over X (``X @ w`` and ``Xᵀ r``).

``time.perf_counter``.  Run: ``python benchmarks/solvers.py``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bntheory.losses import LOGISTIC  # noqa: E402
from bntheory.problems import EmpiricalHalfspace, GaussianHalfspace, random_spd  # noqa: E402
from bntheory.solvers.bngd import bngd  # noqa: E402
from bntheory.solvers.gdnp import gdnp  # noqa: E402
from bntheory.solvers.rayleigh import rayleigh_gd  # noqa: E402

REPEATS = 5


def median_time(fun, repeats=REPEATS, inner=1):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fun()
        ts.append((time.perf_counter() - t0) / inner)
    return float(np.median(ts))


def halfspace(d, seed=0):
    rng = np.random.default_rng(seed)
    S = random_spd(d, 10.0, rng)
    v = rng.standard_normal(d)
    u = v * np.sqrt(0.9 / float(v @ np.linalg.solve(S, v)))
    return GaussianHalfspace(S, u, LOGISTIC), rng.standard_normal(d)


def per_iteration(run, n_small, n_large, repeats=REPEATS):
    """(time(n_large) − time(n_small))/(n_large − n_small): per-iteration cost without set-up."""
    return (median_time(lambda: run(n_large), repeats) - median_time(lambda: run(n_small), repeats)) / (n_large - n_small)


def whole_run(run, n):
    """time(run(n))/n: per-iteration cost of a whole run, set-up and outputs included."""
    return median_time(lambda: run(n), repeats=1) / n


def summary(times, ref):
    """Median of the times, and the per-repeat ratios to ``ref``: median, range, all."""
    ratio = np.asarray(times) / np.asarray(ref)
    return {"s": float(np.median(times)), "ratio_median": float(np.median(ratio)),
            "ratio_range": [float(ratio.min()), float(ratio.max())], "ratio_per_repeat": ratio.tolist()}


def main():
    out = {"machine": {"python": sys.version.split()[0], "numpy": np.__version__,
                       "scipy": scipy.__version__, "platform": platform.platform(),
                       "processor": platform.processor(), "cpu_count": os.cpu_count()},
           "repeats": 3 * REPEATS, "timer": "time.perf_counter; per repeat, interleaved"}
    try:
        out["machine"]["git"] = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True,
                                               text=True, cwd=Path(__file__).parent).stdout.strip()
    except OSError:  # pragma: no cover
        pass

    # --- d = 2000: whole runs and marginal cost vs one S@w, interleaved in the same run
    P, w0 = halfspace(2000)
    P10, w10 = halfspace(10)
    S = P.S
    w = np.ascontiguousarray(w0)
    T_s = 20

    def gd(n, Q=P, x0=w0):
        return gdnp(Q, x0, n, T_s, diagnostics=False)

    def ray(n):
        return rayleigh_gd(P, w0, n)

    gd(10), ray(10), gd(10, P10, w10)  # warm-up: kernels, caches
    load0 = os.getloadavg()[0]
    keys = ("matvec", "gdnp_T10", "gdnp_T100", "gdnp_marginal", "rayleigh_T10", "rayleigh_T100",
            "rayleigh_marginal", "gdnp_d10_T10", "gdnp_d10_T100")
    t = {k: [] for k in keys}
    for _ in range(3 * REPEATS):
        t["matvec"].append(median_time(lambda: S @ w, repeats=1, inner=20))
        t["gdnp_T10"].append(whole_run(gd, 10))
        t["gdnp_T100"].append(whole_run(gd, 100))
        t["gdnp_marginal"].append(per_iteration(gd, 2, 12, repeats=1))
        t["rayleigh_T10"].append(whole_run(ray, 10))
        t["rayleigh_T100"].append(whole_run(ray, 100))
        t["rayleigh_marginal"].append(per_iteration(ray, 5, 45, repeats=1))
        t["gdnp_d10_T10"].append(whole_run(lambda n: gd(n, P10, w10), 10))
        t["gdnp_d10_T100"].append(whole_run(lambda n: gd(n, P10, w10), 100))
    load1 = os.getloadavg()[0]
    mv = t["matvec"]
    d2 = {"matvec_s": float(np.median(mv)), "T_s": T_s, "target_ratio": 1.5,
          "load_average_1min_before_after": [load0, load1]}
    for k in keys[1:7]:
        d2[k] = summary(t[k], mv)
    for k in keys[7:]:
        d2[k + "_s"] = float(np.median(t[k]))
    r100 = gd(100)
    d2["gdnp_T100_length_schedule"] = r100.length_schedule
    d2["gdnp_T100_rounds_per_search"] = int(r100.n_calls.max())
    d2["gdnp_T100_points_per_search"] = float(np.mean(r100.n_evals))
    d2["note"] = ("GDNP lockstep schedule (default): direction phase (one S@w per step), then all "
                  "T_d + 1 length searches in shared vectorised rounds (doubling probes, then "
                  "trees of bisection levels), one call for c1; whole-run ratios include set-up, "
                  "the final point's S@w and f(w~) (T_d + 1 products for T_d steps)")
    out["d2000"] = d2

    # --- iterations per second
    ips = {}
    for d in (100, 1000, 4000):
        Pd, wd = halfspace(d, seed=d)
        Sd, wv = Pd.S, np.ascontiguousarray(wd)
        ray = median_time(lambda: rayleigh_gd(Pd, wd, 100)) / 100
        gdn = median_time(lambda: gdnp(Pd, wd, 100, T_s, diagnostics=False)) / 100
        mv = median_time(lambda: Sd @ wv, inner=20)
        ips[str(d)] = {"rayleigh_it_per_s": 1.0 / ray, "gdnp_it_per_s": 1.0 / gdn,
                       "matvec_per_s": 1.0 / mv, "note": "whole runs of T_d = 100"}
    out["iterations_per_second"] = ips

    # --- empirical data: one BN-GD iteration vs two passes over X
    rng = np.random.default_rng(1)
    n, d = 100_000, 100
    S = random_spd(d, 10.0, rng)
    v = rng.standard_normal(d)
    u = v * np.sqrt(0.5 / float(v @ np.linalg.solve(S, v)))
    E = EmpiricalHalfspace.sample("gaussian", n, S, u, LOGISTIC, rng=rng)
    Z = np.asarray(getattr(E, "Z", None) if getattr(E, "Z", None) is not None else E._Z)
    wz = rng.standard_normal(d)
    two_pass = median_time(lambda: Z.T @ (Z @ wz))
    emp_it = per_iteration(lambda k: bngd(E, wz, 1.0, k, eta_w=0.5, eta_g=0.5, diagnostics=False),
                           1, 5)
    out["empirical_n1e5_d100"] = {"two_passes_s": two_pass, "bngd_iteration_s": emp_it,
                                  "ratio": emp_it / two_pass,
                                  "note": "BN-GD iteration: the gradient and f(w̃) from the same two passes (value_and_grad), plus the loss and its derivative at n points"}
    path = Path(__file__).with_suffix(".json")
    path.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
