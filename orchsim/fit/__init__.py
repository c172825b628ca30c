"""Fit a scenario from production logs: read exported AWS Lambda and Step Functions logs (:mod:`orchsim.fit.parse`)."""
