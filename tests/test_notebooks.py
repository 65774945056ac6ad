"""The notebooks of notebooks/ (issue #7, item 3): committed without outputs, in sync with their
generator, and each executed headless without error in under 30 s.

The kernel is ipykernel's native "python3" (it runs ``sys.executable``, so in a fresh venv with
``pip install -e ".[test]"`` it is the venv's Python); matplotlib uses the Agg backend
(``MPLBACKEND=Agg``); the kernel starts in notebooks/ with the repository root on ``PYTHONPATH``,
so the tests also run from a checkout that is not installed.  Controls: a notebook with a failing
cell and one with a cell that hangs make the executor raise, and a notebook with stored outputs is
flagged.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
#: The acceptance criterion of issue #7: each notebook runs headless in under 30 s (kernel start
#: included).
LIMIT_SECONDS = 30.0
#: Per-cell timeout: only guards against a hang (a slow notebook fails the 30 s criterion instead).
CELL_TIMEOUT = 120


def _generator():
    spec = importlib.util.spec_from_file_location("make_notebooks", NB_DIR / "make_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def stored_outputs(nb) -> list[str]:
    """Ids of the code cells that carry outputs or an execution count (must be none when committed)."""
    return [c.get("id", "?") for c in nb.cells
            if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]


@pytest.fixture
def kernel_env(monkeypatch):
    """Environment of the kernel: Agg backend, the repository importable from notebooks/."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + (os.pathsep + path if path else ""))


#: Appended (in memory only) after a notebook's own cells: the kernel runs in this test's Python
#: environment, and the plot was drawn, on the Agg backend.
PROBE = ("import sys, matplotlib, matplotlib.pyplot\n"
         f"assert sys.prefix == {sys.prefix!r}, sys.prefix\n"
         "assert matplotlib.get_backend().lower() == 'agg', matplotlib.get_backend()\n"
         "assert matplotlib.pyplot.get_fignums(), 'no figure was drawn'")


def execute(path: Path, timeout: int = CELL_TIMEOUT, *, probe: bool = False) -> tuple[float, nbformat.NotebookNode]:
    """Run the notebook at ``path`` headless in a fresh "python3" kernel started in its directory;
    return the wall time (kernel start included) and the executed notebook.  ``probe`` appends
    :data:`PROBE`.  Raises ``CellExecutionError`` / ``CellTimeoutError`` like nbclient."""
    nb = nbformat.read(path, as_version=4)
    if probe:
        nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    return time.perf_counter() - t0, nb


def _write(tmp_path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path = tmp_path / "control.ipynb"
    nbformat.write(nb, path)
    return path


# ------------------------------------------------------------------------------------------ static
def test_five_notebooks_one_per_topic():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01_bn_gradients", "02_length_direction", "03_ols", "04_halfspace_gdnp", "05_network"]
    readme = (NB_DIR / "README.md").read_text(encoding="utf-8")
    assert all(p.name in readme for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    """No outputs, execution_count null, valid nbformat v4, kernel "python3"."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert stored_outputs(nb) == []
    assert any(c.cell_type == "markdown" and "MATH.md" in c.source for c in nb.cells)


def test_stored_outputs_control():
    """Control: the same check flags a notebook with an output or an execution count."""
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    code[1].execution_count = 3
    assert stored_outputs(nb) == [code[0].id, code[1].id]


def test_notebooks_match_their_generator():
    """The committed files are exactly what notebooks/make_notebooks.py writes (regenerate with
    ``python notebooks/make_notebooks.py``), and it writes no other notebook."""
    gen = _generator()
    built = gen.build()
    assert sorted(built) == [p.name for p in NOTEBOOKS]
    for name, nb in built.items():
        assert (NB_DIR / name).read_text(encoding="utf-8") == gen.text(nb), name


# ----------------------------------------------------------------------------------- executed
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless_under_30s(path, kernel_env, record_property):
    seconds, nb = execute(path, probe=True)
    record_property("seconds", round(seconds, 2))
    print(f"{path.name}: executed in {seconds:.2f} s")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert seconds < LIMIT_SECONDS, f"{path.name} took {seconds:.1f} s (limit {LIMIT_SECONDS:g} s)"
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_executor_control_failing_cell_raises(tmp_path, kernel_env):
    """Control: the executor used above does fail — a notebook whose second cell raises."""
    path = _write(tmp_path, "x = 1", "raise ValueError('deliberate failure')", "y = 2")
    with pytest.raises(CellExecutionError, match="deliberate failure"):
        execute(path)


@pytest.mark.slow
def test_executor_control_hanging_cell_times_out(tmp_path, kernel_env):
    """Control: a cell that does not finish within the per-cell timeout raises."""
    path = _write(tmp_path, "import time\ntime.sleep(60)")
    with pytest.raises(CellTimeoutError):
        execute(path, timeout=2)
