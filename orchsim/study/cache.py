"""The sweep's result cache: one Parquet file of tidy rows per simulated task.

A task is one (scenario, replication) run under a list of patterns. Its file is named by a hash of
everything that decides its rows: the full scenario, the patterns, the replication, the prices the
run uses (their content, not the price file's path or date), orchsim's version and a hash of
orchsim's own source (:func:`orchsim.version.source_hash`), so an edited checkout or an edited
price never returns rows made before the edit.

The folder is, in order: an explicit ``cache=`` path, ``$ORCHSIM_CACHE_DIR``,
``$XDG_CACHE_HOME/orchsim``, ``~/.cache/orchsim``. It is created on the first write, never on
import. Writes are atomic (a temporary file in the same folder, then :func:`os.replace`), so a
reader never sees half a file; a file that cannot be read back (corrupt, empty, truncated,
unreadable, or not the rows expected) counts as missing and is recomputed.

>>> import tempfile
>>> from orchsim.model.scenario import load_scenario
>>> from orchsim.aws.pricebook import load_price_book
>>> cache = ResultCache(Path(tempfile.mkdtemp()))
>>> key = cache.key(load_scenario("seed-article"), ["sfn-standard"], 0, price_fingerprint(load_price_book(), "us-east-1"))
>>> cache.load(key, ["sfn-standard"]) is None
True
>>> cache.store(key, [{"pattern": "sfn-standard", "cost_total_usd": 1.5}])
>>> cache.load(key, ["sfn-standard"])
[{'pattern': 'sfn-standard', 'cost_total_usd': 1.5}]
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from orchsim.aws.pricebook import PriceBook
from orchsim.errors import InputError
from orchsim.model.scenario import Scenario
from orchsim.version import package_version, source_hash

__all__ = ["CACHE_FORMAT", "ResultCache", "default_cache_dir", "open_cache", "price_fingerprint"]

CACHE_FORMAT = 2
"""Layout version of the cached files; part of every key, so a new layout never reads an old file."""


def default_cache_dir() -> Path:
    """The user's cache folder for orchsim (not created here).

    Returns
    -------
    Path
        ``$ORCHSIM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/orchsim`` if that variable holds an
        absolute path (the XDG Base Directory rule), else ``~/.cache/orchsim``.
    """
    override = os.environ.get("ORCHSIM_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "orchsim"


def price_fingerprint(book: PriceBook, region: str) -> str:
    """A hash of the prices a run in ``region`` uses: their content, whatever file they came from.

    Parameters
    ----------
    book
        The loaded price book.
    region
        The scenario's AWS region.

    Returns
    -------
    str
        16 hex digits over the book's date and month length and the region's Lambda, Step
        Functions Standard and Express prices (with their billing units) and CloudWatch Logs
        ingestion price. The same prices at another path or with a newer file time hash the same;
        any edited value hashes differently.
    """
    parts: dict[str, Any] = {
        "as_of": book.as_of,
        "month_hours": book.month_hours,
        "lambda": book.lambda_prices(region).model_dump(mode="json"),
        "standard": book.standard_prices(region).model_dump(mode="json"),
        "express": book.express_prices(region).model_dump(mode="json"),
    }
    try:
        parts["logs_usd_per_gb"] = book.logs_ingestion_usd_per_gb(region)
    except InputError:
        parts["logs_usd_per_gb"] = None  # a region without a logs price: runs there never use one
    blob = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ResultCache:
    """Cached task rows as Parquet files in ``folder``.

    Parameters
    ----------
    folder
        Where the files go; created on the first :meth:`store`.
    """

    folder: Path

    def key(self, scenario: Scenario, patterns: Sequence[str], replication: int, prices: str) -> str:
        """The file key of one task.

        Parameters
        ----------
        scenario
            The point's full scenario (seed and window included).
        patterns
            The patterns run, in order.
        replication
            Replication index.
        prices
            :func:`price_fingerprint` of the prices the run uses.

        Returns
        -------
        str
            32 hex digits; also covers orchsim's version, source hash and :data:`CACHE_FORMAT`.
        """
        blob = json.dumps(
            {
                "format": CACHE_FORMAT,
                "scenario": scenario.to_dict(),
                "patterns": list(patterns),
                "replication": replication,
                "prices": prices,
                "version": package_version(),
                "source": source_hash(),
            },
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def path(self, key: str) -> Path:
        """The file that holds ``key``'s rows.

        Parameters
        ----------
        key
            A key from :meth:`key`.

        Returns
        -------
        Path
            ``folder / "<key>.parquet"``.
        """
        return self.folder / f"{key}.parquet"

    def load(self, key: str, patterns: Sequence[str]) -> list[dict[str, Any]] | None:
        """The cached rows of ``key``, or None if there are none worth trusting.

        Parameters
        ----------
        key
            A key from :meth:`key`.
        patterns
            The patterns the task ran, in order: the file must hold one row for each.

        Returns
        -------
        list of dict or None
            One row per pattern; None when the file is missing, unreadable, corrupt, empty or holds
            other rows (the caller recomputes and overwrites it).
        """
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            frame = pd.read_parquet(path)
        except Exception:  # any unreadable file is a miss: pyarrow raises several unrelated types
            return None
        if "pattern" not in frame.columns or frame["pattern"].tolist() != list(patterns):
            return None
        return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]

    def store(self, key: str, rows: Sequence[dict[str, Any]]) -> None:
        """Write ``rows`` under ``key`` atomically (temporary file, then :func:`os.replace`).

        A write that fails (read-only folder, full disk) only warns: the rows are still good,
        the next sweep computes them again.

        Parameters
        ----------
        key
            A key from :meth:`key`.
        rows
            The task's rows, one per pattern.
        """
        path = self.path(key)
        tmp: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=self.folder)
            with os.fdopen(fd, "wb") as fh:
                pd.DataFrame(list(rows)).to_parquet(fh, index=False)
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            warnings.warn(f"orchsim: could not write the sweep cache file {str(path)!r}: {exc}", RuntimeWarning, stacklevel=2)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


def open_cache(cache: bool | str | os.PathLike[str]) -> ResultCache | None:
    """The cache a ``cache=`` argument asks for.

    Parameters
    ----------
    cache
        True: :func:`default_cache_dir`; a path: that folder; False: no cache.

    Returns
    -------
    ResultCache or None
        None when caching is off.

    Raises
    ------
    InputError
        For anything else, or a path that is an existing file (``cache`` names the accepted
        values). A folder that cannot be created only warns when a row is stored.
    """
    if cache is False:
        return None
    if cache is True:
        return ResultCache(default_cache_dir())
    if isinstance(cache, str | os.PathLike):
        folder = Path(cache).expanduser()
        if folder.exists() and not folder.is_dir():  # a folder that cannot be made only warns, at the first write
            raise InputError("cache", f"{str(folder)!r} is a file, not a folder; give True, False or a folder path")
        return ResultCache(folder)
    raise InputError("cache", f"must be True (the user cache folder), False or a folder path (got {cache!r})")
