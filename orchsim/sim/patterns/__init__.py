"""Orchestration patterns as SimPy processes, one module each, sharing :mod:`orchsim.sim.patterns.base`."""

from orchsim.sim.patterns.base import Context

__all__ = ["Context"]
