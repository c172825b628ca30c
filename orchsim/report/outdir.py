"""Output folders: check that a path can be (or already is) a folder before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

from orchsim.errors import InputError

__all__ = ["prepare_out_dir"]


def prepare_out_dir(path: str | os.PathLike[str], field: str = "out_dir") -> Path:
    """Create the output folder ``path`` (and its parents) if missing and return it, resolved.

    Parameters
    ----------
    path
        The folder to write into.
    field
        The option or parameter name the error names (``--out`` on the command line).

    Returns
    -------
    Path
        The folder, absolute.

    Raises
    ------
    InputError
        When ``path`` is an existing file (``/dev/null`` too), lies under a file, or cannot be
        created (permissions, read-only file system).

    Examples
    --------
    >>> prepare_out_dir("/dev/null", "--out")
    Traceback (most recent call last):
    ...
    orchsim.errors.InputError: --out: '/dev/null' is not a folder (it is a file); give a folder path (created if missing)
    """
    folder = Path(path).expanduser().absolute()
    for part in (folder, *folder.parents):
        if part.exists():
            if not part.is_dir():
                where = "it is a file" if part == folder else f"{str(part)!r} is a file"
                raise InputError(field, f"{str(path)!r} is not a folder ({where}); give a folder path (created if missing)")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(field, f"cannot create the folder {str(path)!r} ({exc.strerror or exc}); give a writable folder path") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(field, f"the folder {str(path)!r} is not writable; give a writable folder path")
    return folder.resolve()
