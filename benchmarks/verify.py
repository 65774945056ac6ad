"""Timing of ``bntheory verify`` (issue #5 item 5): writes benchmarks/verify.json.

The default run and ``--fast``, each as a fresh process (imports included, as a user runs it),
``REPEATS`` times; wall time (median and range), and per section the sum of the checks' own
``seconds`` from the JSON report of the last repeat.  Targets: default < 60 s, ``--fast`` < 15 s
on the 2-core reference machine.  Run: ``python benchmarks/verify.py``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 3
TARGETS = {"default": 60.0, "fast": 15.0}


def one_run(args: list[str], report: Path) -> float:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "proofs_check", "--json", str(report), *args], cwd=ROOT,
                         capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"verify {' '.join(args)} failed (exit {out.returncode}):\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    return wall


def main() -> None:
    result = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpu_count": os.cpu_count()},
              "git": subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                    text=True).stdout.strip(),
              "repeats": REPEATS, "timer": "wall time of a fresh process (time.perf_counter)"}
    with tempfile.TemporaryDirectory() as tmp:
        for mode, args in (("default", []), ("fast", ["--fast"])):
            load0 = os.getloadavg()[0]
            report = Path(tmp) / f"{mode}.json"
            walls = sorted(one_run(args, report) for _ in range(REPEATS))
            r = json.loads(report.read_text())
            sections: dict[str, float] = {}
            for c in r["checks"]:
                key = f"{c['id'].split('.')[0]} ({c['kind']})"
                sections[key] = round(sections.get(key, 0.0) + c["seconds"], 3)
            result[mode] = {"wall_s_median": walls[len(walls) // 2], "wall_s_range": [walls[0], walls[-1]],
                            "target_s": TARGETS[mode], "checks": len(r["checks"]),
                            "negative_controls": r["summary"]["negative_controls_total"],
                            "failed": r["summary"]["failed"], "seconds_by_section": sections,
                            "load_average_1min_before_after": [load0, os.getloadavg()[0]]}
    path = Path(__file__).with_suffix(".json")
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
