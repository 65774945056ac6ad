"""``python -m proofs_check``: the same as ``bntheory verify``."""

from .runner import main

raise SystemExit(main())
