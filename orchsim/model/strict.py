"""Strict scalars for every input model: numbers are finite and never booleans, flags are booleans.

PyYAML reads ``.inf``/``.nan`` as floats and pydantic's lax mode takes ``true`` for the integer 1, so a
scenario or price book could carry an infinite price or ``steps: true``. :class:`StrictInputModel`
refuses both before pydantic converts anything, naming the field's accepted range.
"""

from __future__ import annotations

import functools
import math
import types
import typing
from typing import Any, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from orchsim.errors import accepted_range

__all__ = ["StrictInputModel", "strict_scalar"]


def _kinds(annotation: Any) -> set[type]:
    """The scalar types (bool, int, float, str) an annotation admits, looking inside unions."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return set().union(*(_kinds(a) for a in typing.get_args(annotation)))
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    return {annotation} & {bool, int, float, str}


def strict_scalar(cls: type[BaseModel], value: Any, info: ValidationInfo, *, check_bounds: bool = False) -> Any:
    """A ``mode="before"`` field check: refuse true/false for a number, a non-boolean for a flag and
    an infinite or NaN number, naming the field's accepted range.

    Parameters
    ----------
    cls
        The model being validated.
    value
        The raw input.
    info
        Pydantic's validation info (gives the field name).
    check_bounds
        Also refuse a number outside the field's ``ge``/``gt``/``le``/``lt`` bounds here, stating
        them (for models inside a tagged union, whose bounds pydantic's error cannot be traced to).

    Returns
    -------
    Any
        ``value`` unchanged.

    Raises
    ------
    ValueError
        With the accepted range when the field has bounds.
    """
    spec = _field_spec(cls, info.field_name)
    if spec is None:
        return value
    field, kinds, numeric, hint = spec
    is_flag = isinstance(value, bool | np.bool_)
    if is_flag and numeric and bool not in kinds:
        raise ValueError(f"must be a number, not true/false{hint}")
    if kinds == {bool} and not is_flag:
        raise ValueError("must be true or false")
    if numeric and not is_flag:
        number: float | None = None
        if isinstance(value, float):
            number = value
        elif isinstance(value, str) and str not in kinds:
            try:
                number = float(value)
            except ValueError:
                number = None
        if number is not None and not math.isfinite(number):
            raise ValueError(f"must be a finite number{hint}")
        if check_bounds and isinstance(value, int | float):
            broken = _broken_bound(field, float(value))
            if broken:
                raise ValueError(f"must be {broken}{hint}")
    return value



@functools.cache
def _field_spec(cls: type[BaseModel], name: str | None) -> tuple[FieldInfo, frozenset[type], bool, str] | None:
    """A field's admitted scalar kinds, whether it is a number and its accepted range as text, worked
    out once per (model, field): the check runs for every field of every scenario a sweep builds."""
    field = cls.model_fields.get(name) if name is not None else None
    if field is None:
        return None
    kinds = frozenset(_kinds(field.annotation))
    numeric = bool(kinds & {int, float})
    rng = accepted_range(field) if numeric else None
    if rng is None and numeric:
        rng = _inner_range(field.annotation)
    if rng is None and field.description:
        rng = f"accepted: {field.description}"
    return field, kinds, numeric, f"; {rng}" if rng else ""

def _broken_bound(field: FieldInfo, value: float) -> str | None:
    """The first ``ge``/``gt``/``le``/``lt`` bound of ``field`` that ``value`` breaks (``">= 0"``)."""
    checks = (("ge", ">=", float.__ge__), ("gt", ">", float.__gt__), ("le", "<=", float.__le__), ("lt", "<", float.__lt__))
    for m in field.metadata:
        for attr, sym, holds in checks:
            bound = getattr(m, attr, None)
            if bound is not None and not holds(value, float(bound)):
                return f"{sym} {bound:,g}"
    return None


def _inner_range(annotation: Any) -> str | None:
    """The bounds of an ``Annotated`` number inside a union (``Price | None``), as text."""
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Annotated:
            rng = accepted_range(FieldInfo.from_annotation(arg))
            if rng:
                return rng
    return None


class StrictInputModel(BaseModel):
    """Base of the validated input models: no ``true`` where a number is expected, no number where a
    flag is expected, and no infinite or NaN number anywhere (``allow_inf_nan=False``)."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_scalar(cls, value: Any, info: ValidationInfo) -> Any:
        return strict_scalar(cls, value, info)
