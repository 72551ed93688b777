"""Immutable values that compare, order and hash on one key.

The shape of `packaging.version.Version`: `__slots__`, no setters, one comparison key. A frozen, slotted
dataclass behaves the same, but building one costs about half a millisecond of import (it generates and runs
code, then builds the class a second time for its slots), and every cfn-lint run that loads the engine pays it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_: object) -> Callable[[object], object]:
        return lambda decorator: decorator  # at run time only mypy's view of `record` is missing

# Sets a field of a new value in its `__init__` (the value's own `__setattr__` refuses).
set_field: Final = object.__setattr__


class Value:
    """Subclasses list their fields in `__slots__` (with any caches) and in `__match_args__` (in `__init__`'s
    order), set them once in `__init__` with `set_field`, and say in `key` what equality, order and hashing look
    at (a field left out of the key is a note carried along, not an identity)."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of an immutable {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of an immutable {type(self).__name__}")

    def _key_of(self, other: object) -> tuple[Any, ...] | None:
        """The other value's key when it is of this very class (values of two classes never compare)."""
        return other.key() if isinstance(other, Value) and other.__class__ is self.__class__ else None

    def __eq__(self, other: object) -> bool:
        theirs = self._key_of(other)
        return NotImplemented if theirs is None else self is other or self.key() == theirs

    def __hash__(self) -> int:
        return hash(self.key())

    def __lt__(self, other: object) -> bool:
        theirs = self._key_of(other)
        return NotImplemented if theirs is None else bool(self.key() < theirs)

    def __le__(self, other: object) -> bool:
        theirs = self._key_of(other)
        return NotImplemented if theirs is None else bool(self.key() <= theirs)

    def __gt__(self, other: object) -> bool:
        theirs = self._key_of(other)
        return NotImplemented if theirs is None else bool(self.key() > theirs)

    def __ge__(self, other: object) -> bool:
        theirs = self._key_of(other)
        return NotImplemented if theirs is None else bool(self.key() >= theirs)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), tuple(getattr(self, name) for name in self.__match_args__)


class Record(Value):
    """A value whose fields are all its identity, declared as annotations and made by `record`: a typed record
    as cheap to define as a plain class (a `NamedTuple` costs about a tenth of a millisecond of import each)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: object, **kwargs: object) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes {len(fields)} fields, got {len(args)}")
        values = dict(zip(fields, args, strict=False))  # the rest by keyword
        for name, value in kwargs.items():
            if name not in fields or name in values:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated field {name!r}")
            values[name] = value
        for name, value in self._defaults.items():
            values.setdefault(name, value)
        missing = [name for name in fields if name not in values]
        if missing:
            raise TypeError(f"{type(self).__name__}: missing {', '.join(missing)}")
        for name in fields:
            set_field(self, name, values[name])

    def key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __iter__(self) -> Iterator[Any]:
        return (getattr(self, name) for name in self._fields)


_R = TypeVar("_R", bound=Record)


@dataclass_transform(frozen_default=True)
def record(cls: type[_R]) -> type[_R]:
    """The record class of `cls`'s annotations, in order (a value given in the class body is the field's default):
    slotted, immutable, equal and hashed on every field, matched by position (`case FlowGap(initiator, ...)`).
    mypy checks its constructor as a frozen dataclass's."""
    fields = tuple(cls.__annotations__)
    namespace = {name: value for name, value in vars(cls).items() if name not in ("__dict__", "__weakref__")}
    defaults = {name: namespace.pop(name) for name in fields if name in namespace}
    namespace.update(__slots__=fields, __match_args__=fields, _fields=fields, _defaults=defaults)
    return type(cls.__name__, cls.__bases__, namespace)
