"""Solvers, one method per module; each returns a :class:`SolverResult` (MATH.md §3, §4.4)."""

from .alternating import alternating_gdnp
from .bisection import BisectionResult, bisect_length
from .bngd import bngd
from .gd import gd
from .gdnp import gdnp
from .rayleigh import pencil_ascent, rayleigh_gd, rayleigh_step
from .result import SolverResult

__all__ = ["SolverResult", "alternating_gdnp", "BisectionResult", "bisect_length", "bngd", "gd", "gdnp",
           "pencil_ascent", "rayleigh_gd", "rayleigh_step"]
