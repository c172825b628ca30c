"""Reading the YAML files a user gives (scenarios, price books, report parameters): one home for the
errors they can have, each one line naming the file and, for syntax, the line.

Duplicate keys are refused (PyYAML would keep the last silently, so a repeated ``docs_per_day`` or a
repeated price would change numbers without a word). A file larger than ``max_bytes`` (1 MB unless the
caller says otherwise) is refused before it is parsed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from orchsim.errors import InputError

__all__ = ["MAX_YAML_BYTES", "read_yaml"]

MAX_YAML_BYTES = 1_000_000
"""Largest scenario or params file accepted, bytes (1 MB); price books pass their own limit."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping with the same key twice."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key]})", key_node.start_mark
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
# YAML 1.1 (PyYAML) reads ``1e-5`` or ``1e8`` as text; YAML 1.2 and every user read them as numbers.
# Copy the resolvers so the shared SafeLoader's table is not modified, then add 1.2's float form.
_UniqueKeyLoader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def read_yaml(path: str | os.PathLike[str], field: str, what: str, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Parse one YAML file, raising :class:`InputError` with one line on any problem.

    Parameters
    ----------
    path
        The file.
    field
        What the error names (``scenario``, ``prices``, ``--params``).
    what
        How the message calls the file (``scenario``, ``price file``, ``params file``).
    max_bytes
        Largest file accepted, bytes; a larger one is refused before parsing.

    Returns
    -------
    Any
        The parsed document (``None`` for an empty file).

    Raises
    ------
    InputError
        Unreadable file, larger than ``max_bytes``, not UTF-8, a YAML syntax error or a duplicate key
        (with its line and column).

    Examples
    --------
    >>> from orchsim.resources import scenario_path
    >>> read_yaml(scenario_path("seed-article"), "scenario", "scenario")["name"]
    'seed-article'
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:  # read at most one byte past the limit (a FIFO or /dev/zero has no size)
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(field, f"cannot read {what} {str(p)!r}: {exc.strerror}") from None
    if len(raw) > max_bytes:
        raise InputError(field, f"{what} {str(p)!r} is larger than the {max_bytes:,} byte limit; accepted: at most {max_bytes:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(field, f"{what} {str(p)!r} is not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InputError(field, f"{what} {str(p)!r} is not valid YAML{where}: {problem}") from None
