"""Strict validation of JSON data against a ``TypedDict`` declaration (the event contract's
payload and frame schemas): exact keys, and every value's type, recursively."""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict


def validate(value: Any, declared: Any, path: str = "$") -> None:
    """Raise ``AssertionError`` naming the path of the first value that does not fit."""
    origin = get_origin(declared)
    if declared is Any:
        return
    if is_typeddict(declared):
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
        hints = get_type_hints(declared)
        required = declared.__required_keys__
        missing = required - value.keys()
        extra = value.keys() - hints.keys()
        assert not missing, f"{path}: missing {sorted(missing)} ({declared.__name__})"
        assert not extra, f"{path}: undeclared {sorted(extra)} ({declared.__name__})"
        for key, item in value.items():
            validate(item, hints[key], f"{path}.{key}")
        return
    if origin in (Union, types.UnionType):
        errors = []
        for option in get_args(declared):
            try:
                validate(value, option, path)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{path}: {value!r} fits none of {declared}: {errors}")
    if origin is Literal:
        assert value in get_args(declared), f"{path}: {value!r} not in {get_args(declared)}"
        return
    if origin is list:
        assert isinstance(value, list), f"{path}: expected a list, got {value!r}"
        (item_type,) = get_args(declared) or (Any,)
        for i, item in enumerate(value):
            validate(item, item_type, f"{path}[{i}]")
        return
    if declared is type(None) or declared is None:
        assert value is None, f"{path}: expected null, got {value!r}"
        return
    if declared is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        assert ok, f"{path}: expected a number, got {value!r}"
        return
    if declared is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        assert ok, f"{path}: expected an integer, got {value!r}"
        return
    if declared in (str, bool, dict, list):
        assert isinstance(value, declared), f"{path}: expected {declared.__name__}, got {value!r}"
        return
    if origin is dict:
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
        return
    raise AssertionError(f"{path}: no rule for declared type {declared!r}")
