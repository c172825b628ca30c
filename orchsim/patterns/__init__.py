"""Orchestration patterns as SimPy processes, one module each, sharing :mod:`orchsim.patterns.base`."""

from orchsim.patterns.base import Context

__all__ = ["Context"]
