"""The report: notebook helpers, parameter checking, the papermill runner and the index."""
