"""The SimPy engine: runs a scenario under a pattern and meters it; never prices."""
