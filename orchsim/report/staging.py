"""Build a report in a fresh folder next to its target, then move it into place in one step.

Two reports aimed at the same folder never mix: each builds in its own temporary folder
(``.<name>.orchsim-build-*`` beside the target) and :func:`staged_folder` moves the finished files
into the target under a lock, the ``index.html`` last. A report that fails or is interrupted leaves
the target without an ``index.html`` (the previous one is removed when the build starts), so an old
index never looks current.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from orchsim.report.outdir import prepare_out_dir

__all__ = ["INDEX", "keep_files", "staged_folder"]

INDEX = "index.html"
"""The file moved into place last: its presence means the report is complete."""


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``target/.orchsim-lock`` (POSIX; elsewhere no lock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: installs are rare enough to race
        yield
        return
    lock = target / ".orchsim-lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _install(stage: Path, target: Path) -> None:
    """Move everything in ``stage`` into ``target``, replacing same-named entries, the index last."""
    with _locked(target):
        (target / INDEX).unlink(missing_ok=True)
        entries = sorted(stage.iterdir(), key=lambda p: p.name == INDEX)
        for entry in entries:
            dest = target / entry.name
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest)
            elif entry.is_dir() and (dest.exists() or dest.is_symlink()):
                dest.unlink()
            os.replace(entry, dest)


@contextlib.contextmanager
def staged_folder(out_dir: str | os.PathLike[str], field: str = "out_dir") -> Iterator[Path]:
    """A fresh folder to build a report in, moved into ``out_dir`` when the block ends without error.

    Parameters
    ----------
    out_dir
        The report's folder (created if missing; other files in it are kept, same-named ones
        replaced).
    field
        The option or parameter name an error about ``out_dir`` names (``--out``).

    Yields
    ------
    Path
        The build folder (beside ``out_dir``; removed afterwards whatever happens).

    Raises
    ------
    InputError
        When ``out_dir`` cannot be a folder (see :func:`orchsim.report.outdir.prepare_out_dir`).
    """
    target = prepare_out_dir(out_dir, field)
    with _locked(target):
        (target / INDEX).unlink(missing_ok=True)  # a build in progress (or a failed one) leaves no index that looks current
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.orchsim-build-", dir=target.parent))
    try:
        yield stage
        _install(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def keep_files(stage: Path, out_dir: str | os.PathLike[str], pattern: str) -> list[Path]:
    """Copy the files of ``stage`` matching ``pattern`` into ``out_dir`` (e.g. the executed copy of a
    notebook that failed, for its traceback); no index, so the folder never looks like a report.

    Parameters
    ----------
    stage
        The build folder of :func:`staged_folder`.
    out_dir
        The report's folder.
    pattern
        A glob pattern, e.g. ``"*.ipynb"``.

    Returns
    -------
    list of Path
        The copies.
    """
    target = Path(out_dir).resolve()
    with _locked(target):
        return [Path(shutil.copy2(p, target / p.name)) for p in sorted(stage.glob(pattern)) if p.is_file()]
