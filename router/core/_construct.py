"""Building contract models from values that were validated already.

pydantic's ``model_construct`` walks every field in Python on each call and
measured slower than validating a flat model (9.5 against 4.9 us for a history
line on the development machine); this sets what ``model_construct`` sets, from
a complete field dict, in about a third of the time. Only for values built from
validated inputs with every field given: the property tests round-trip such
decisions through the contract to prove the result is a valid model.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["construct_validated"]

ModelT = TypeVar("ModelT", bound=BaseModel)


_new = object.__new__  # BaseModel defines no __new__: the same call, looked up once
_set = object.__setattr__  # frozen models refuse their own __setattr__


def construct_validated(cls: type[ModelT], fields: dict[str, Any]) -> ModelT:
    """An instance of ``cls`` holding ``fields`` (every field, already valid)."""
    model: ModelT = _new(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", set(fields))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
