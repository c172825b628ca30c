"""The package's version and a hash of its own source (cache keys change when the code does)."""

from __future__ import annotations

import functools
import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["git_commit", "package_version", "source_hash"]


@functools.cache
def package_version() -> str:
    """The installed distribution's version.

    Returns
    -------
    str
        ``orchsim``'s version, or ``0.0.0`` in a source tree that was never installed.
    """
    try:
        return version("orchsim")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0.0.0"


@functools.cache
def source_hash() -> str:
    """A hash of orchsim's own source code, computed once per process.

    An edited checkout gets a new hash, so a cache keyed by it never returns rows that older code made.

    Returns
    -------
    str
        SHA-256 (first 16 hex digits) over the relative path and bytes of every ``.py`` file of the
        ``orchsim`` package, in sorted order.

    Examples
    --------
    >>> len(source_hash()) == 16 and source_hash() == source_hash()
    True
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def git_commit() -> str | None:
    """The git commit of the checkout orchsim runs from, if it runs from one.

    Returns
    -------
    str or None
        The short commit hash, with ``+edits`` when the working tree differs from it; None when
        orchsim is installed from a wheel, git is missing, or it does not answer within 2 s.
    """
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists() or shutil.which("git") is None:
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=2, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=2, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+edits" if dirty and head else head or None
