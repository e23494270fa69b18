"""orchkg: a knowledge-graph query service about container-orchestration platforms."""

__version__ = "0.1.0"
