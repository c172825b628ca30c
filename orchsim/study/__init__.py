"""Studies over many runs: sweeps and their cache, crossovers, break-even, confidence intervals, comparison frames."""
