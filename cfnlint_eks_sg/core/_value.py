"""Immutable values that compare, order and hash on one key.

The shape of `packaging.version.Version`: `__slots__`, no setters, one comparison key. A frozen, slotted
dataclass behaves the same, but building one costs about half a millisecond of import (it generates and runs
code, then builds the class a second time for its slots), and every cfn-lint run that loads the engine pays it.
"""

from __future__ import annotations

from typing import Any, Final

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
