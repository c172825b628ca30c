"""Errors that carry a field path and the accepted range, so a user can fix their input.

Every user-facing validation failure in orchsim is an :class:`InputError`. The CLI turns it into
one line on stderr and exit status 2; the library raises it before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

__all__ = ["InputError", "from_validation_error"]


class InputError(ValueError):
    """Invalid user input: a scenario, a price file, a CLI option or a sweep.

    Parameters
    ----------
    field
        Dotted path of the offending field, for example ``pipeline.steps[2].memory_mb``.
    message
        What is wrong and what is accepted.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


_TYPE_TAG = re.compile(r"^(_|[A-Z])|\[|^(int|float|str|bool|list|dict|none)$")
_DIST_TAGS = {"fixed", "exponential", "lognormal", "uniform"}


def _path(loc: Iterable[Any]) -> str:
    out = ""
    prev: Any = None
    for part in loc:
        if isinstance(part, str) and (_TYPE_TAG.search(part) or (prev == "duration" and part in _DIST_TAGS)):
            continue
        prev = part
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def from_validation_error(err: ValidationError, prefix: str = "") -> InputError:
    """Turn pydantic's first error into an :class:`InputError` naming the field path."""
    first = err.errors(include_url=False)[0]
    inner = (first.get("ctx") or {}).get("error")
    if isinstance(inner, InputError):
        if prefix and not inner.field.startswith(prefix):
            return InputError(f"{prefix}.{inner.field}" if inner.field else prefix, inner.message)
        return inner
    path = _path(first["loc"])
    if prefix:
        path = f"{prefix}.{path}" if path else prefix
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    inp = first.get("input")
    if first["type"] == "extra_forbidden":
        msg = "unknown key (not part of the schema)"
    elif first["type"] == "missing":
        msg = "required field is missing"
    elif not isinstance(inp, dict | list) and inp is not None:
        msg = f"{msg} (got {inp!r})"
    return InputError(path, msg)
