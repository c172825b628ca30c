"""Errors that carry a field path and the accepted range, so a user can fix their input.

Every user-facing validation failure in orchsim is an :class:`InputError`. The CLI turns it into
one line on stderr and exit status 2; the library raises it before anything runs.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

__all__ = ["InputError", "accepted_range", "from_validation_error", "model_in"]


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
_DIST_TAGS = {"fixed", "exponential", "lognormal", "uniform", "empirical"}


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


_BOUND_TYPES = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _field_info(model: type[BaseModel] | None, loc: Iterable[Any]) -> FieldInfo | None:
    """The FieldInfo at ``loc`` inside ``model`` (following nested models), if it can be found."""
    info: FieldInfo | None = None
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        fields = current.model_fields
        info = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if info is None:
            return None
        current = model_in(info.annotation)
    return info


def model_in(annotation: Any) -> Any:
    """The first pydantic model class inside ``annotation`` (``dict[str, A | B]`` gives A), or None.

    Parameters
    ----------
    annotation
        A field's type annotation.

    Returns
    -------
    type or None
        The model class, or None when the annotation holds none.
    """
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None


def accepted_range(info: FieldInfo) -> str | None:
    """A field's numeric bounds as text.

    Parameters
    ----------
    info
        The pydantic field (its ``ge``/``gt``/``le``/``lt`` constraints are read).

    Returns
    -------
    str or None
        E.g. ``accepted: 128 <= value <= 10,240``; None for a field without bounds.
    """
    lo = hi = None
    for m in info.metadata:
        for attr, sym in (("ge", "<="), ("gt", "<")):
            if getattr(m, attr, None) is not None:
                lo = f"{getattr(m, attr):,g} {sym} "
        for attr, sym in (("le", "<="), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                hi = f" {sym} {getattr(m, attr):,g}"
    if lo is None and hi is None:
        return None
    return f"accepted: {lo or ''}value{hi or ''}"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model class inside ``annotation`` (the members of ``A | B``, ``dict[str, A]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _tags(model: type[BaseModel]) -> set[str]:
    """The values of ``model``'s literal fields: how a tagged union names it in a location."""
    return {str(v) for f in model.model_fields.values() if typing.get_origin(f.annotation) is typing.Literal
            for v in typing.get_args(f.annotation)}


def _is_mapping(annotation: Any) -> bool:
    """Whether ``annotation`` is (an optional or annotated) ``dict[...]``."""
    if typing.get_origin(annotation) is dict:
        return True
    return any(_is_mapping(arg) for arg in typing.get_args(annotation) if not isinstance(arg, type | str))


def _keys_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The keys accepted in the mapping that holds the last key of ``loc`` (aliases as written in
    a file, e.g. ``lambda``); empty when the model there cannot be told for sure."""
    candidates: list[type[BaseModel]] = [model] if model is not None else []
    keyed = False  # the next part is a key of a ``dict[str, ...]``, not a field
    for part in loc[:-1]:
        if isinstance(part, int) or not candidates:
            continue
        if keyed:
            keyed = False
            continue
        tagged = [m for m in candidates if part == m.__name__ or part in _tags(m)] if len(candidates) > 1 else []
        if tagged:
            candidates = tagged
            continue
        if isinstance(part, str) and _TYPE_TAG.search(part):
            continue
        fields = candidates[0].model_fields
        info = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if info is None:
            return []
        candidates = _models_in(info.annotation)
        keyed = _is_mapping(info.annotation)
    if len(candidates) != 1:
        return []
    return [f.alias or name for name, f in candidates[0].model_fields.items()]


def _key_hint(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    """For an unknown key: ``; did you mean 'burst_factor'? accepted: kind, ...`` (the close match
    found by :func:`difflib.get_close_matches` among the keys at that level), or ``""``."""
    keys = _keys_at(model, tuple(loc))
    if not keys:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ";"
    return f"{guess} accepted: {', '.join(keys)}"


def from_validation_error(err: ValidationError, prefix: str = "", model: type[BaseModel] | None = None) -> InputError:
    """Turn pydantic's first error into an :class:`InputError`.

    Parameters
    ----------
    err
        The validation error.
    prefix
        A field path to put in front (e.g. ``pipeline.steps[2]``).
    model
        The model validated, to read a field's bounds from.

    Returns
    -------
    InputError
        Naming the field path and, for a number out of bounds, the accepted range.
    """
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
        msg = "unknown key (not part of the schema)" + _key_hint(model, first["loc"])
    elif first["type"] == "missing":
        msg = "required field is missing"
    elif not isinstance(inp, dict | list) and inp is not None:
        msg = f"{msg} (got {inp!r})"
    if first["type"] in _BOUND_TYPES and model is not None:
        info = _field_info(model, first["loc"])
        rng = accepted_range(info) if info is not None else None
        if rng:
            msg = f"{msg}; {rng}"
    return InputError(path, msg)
