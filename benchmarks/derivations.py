"""Time every named derivation of the dimension-indexed symbolic modules (issue #3, item 7).

For each module among ``reparam``, ``ols``, ``halfspace``, ``mlp`` that is importable, the script
runs ``derivations(d=…, prove=…, points=…)`` on two rungs of the ladder:

* ``proof`` at d ∈ {2, 3, 4}: the exact rational-function normal form, cross-checked at
  ``PROOF_POINTS`` exact points (the points are also what refutes the negative controls);
* ``exact points`` at d = 12: ``POINTS`` random rational points per statement and per control,
  no proof attempted.

For every derivation it records the verification time of the statement, of its controls, and
their sum (``seconds``); for every module run the wall time including the construction of the
derived expressions (``total_seconds``), which is shared by all the derivations of a module.
Targets on the 2-core reference machine: every ``seconds`` below 10 s.

A module run longer than ``--time-limit`` seconds (default 300) is recorded as over the limit.
Writes ``benchmarks/derivations.json`` (after every run).  Run: ``python benchmarks/derivations.py``
(options: ``--modules reparam ols``, ``--proof-sizes 2 3``, ``--points-size 12``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import sympy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

MODULES = ["reparam", "ols", "halfspace", "mlp"]
PROOF_SIZES = [2, 3, 4]
POINTS_SIZE = 12
PROOF_POINTS = 2
POINTS = 8
TARGET_SECONDS = 10.0
TIME_LIMIT = 300  # seconds per module run; a longer run is recorded as over the limit
SEED = 0


def _git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


class _TimeLimit(Exception):
    pass


def _alarm(signum, frame):
    raise _TimeLimit


def run(module, name: str, d: int, prove: bool) -> dict:
    points = PROOF_POINTS if prove else POINTS
    t0 = time.perf_counter()
    ds = module.derivations(d=d, prove=prove, points=points, seed=SEED)
    total = time.perf_counter() - t0
    rows = []
    for x in ds:
        t_stmt = x.verification.seconds
        t_ctrl = sum(c.verification.seconds for c in x.controls)
        rows.append({
            "id": x.id,
            "status": x.verification.status,
            "rung": x.verification.rung,
            "seconds_statement": round(t_stmt, 3),
            "seconds_controls": round(t_ctrl, 3),
            "seconds": round(t_stmt + t_ctrl, 3),
            "controls_rejected": sum(c.rejected for c in x.controls),
            "controls_total": len(x.controls),
            "passed": x.passed,
            "within_target": t_stmt + t_ctrl < TARGET_SECONDS,
        })
    verify = sum(r["seconds"] for r in rows)
    return {
        "module": name,
        "d": d,
        "rung": "proof" if prove else "exact points",
        "points_per_check": points,
        "total_seconds": round(total, 3),
        "construction_seconds": round(total - verify, 3),
        "max_seconds": max((r["seconds"] for r in rows), default=0.0),
        "all_passed": all(r["passed"] for r in rows),
        "derivations": rows,
    }


def _write(path: Path, records: list, skipped: dict) -> None:
    """Write the JSON (after every run, so that partial results survive an interruption)."""
    out = {
        "benchmark": "named derivations of the dimension-indexed symbolic modules",
        "target_seconds_per_derivation": TARGET_SECONDS,
        "seed": SEED,
        "records": records,
        "skipped": skipped,
        "environment": {
            "python": sys.version.split()[0],
            "sympy": sympy.__version__,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "git_revision": _git_revision(),
        },
    }
    path.write_text(json.dumps(out, indent=2) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="+", default=MODULES)
    parser.add_argument("--proof-sizes", nargs="*", type=int, default=PROOF_SIZES)
    parser.add_argument("--points-size", type=int, default=POINTS_SIZE)
    parser.add_argument("--time-limit", type=int, default=TIME_LIMIT,
                        help="seconds per module run (0: none); uses SIGALRM")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("derivations.json"))
    args = parser.parse_args(argv)

    records, skipped = [], {}
    for name in args.modules:
        try:
            module = importlib.import_module(f"bntheory.symbolic.{name}")
        except ImportError as exc:
            skipped[name] = f"not importable: {exc}"
            continue
        if not hasattr(module, "derivations"):
            skipped[name] = "no derivations()"
            continue
        plan = [(d, True) for d in args.proof_sizes] + [(args.points_size, False)]
        for d, prove in plan:
            if args.time_limit and hasattr(signal, "SIGALRM"):
                signal.signal(signal.SIGALRM, _alarm)
                signal.alarm(args.time_limit)
            try:
                rec = run(module, name, d, prove)
            except _TimeLimit:
                rec = {"module": name, "d": d, "rung": "proof" if prove else "exact points",
                       "error": f"exceeded the time limit of {args.time_limit} s"}
            except Exception as exc:  # a failing module is recorded, not fatal for the others
                rec = {"module": name, "d": d, "rung": "proof" if prove else "exact points",
                       "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=3)}
            finally:
                if args.time_limit and hasattr(signal, "SIGALRM"):
                    signal.alarm(0)
            records.append(rec)
            _write(args.output, records, skipped)
            if "error" in rec:
                print(f"{name:10s} d={d:2d} {rec['rung']:12s} ERROR {rec['error']}", flush=True)
            else:
                slow = [r["id"] for r in rec["derivations"] if not r["within_target"]]
                print(f"{name:10s} d={d:2d} {rec['rung']:12s} total {rec['total_seconds']:7.2f}s  "
                      f"max/derivation {rec['max_seconds']:6.2f}s  passed={rec['all_passed']}"
                      + (f"  over target: {slow}" if slow else ""), flush=True)

    _write(args.output, records, skipped)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
