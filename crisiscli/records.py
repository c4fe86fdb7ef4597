"""`typing.NamedTuple`, built without compiling code at start-up.

Why: every lookup defines about twenty record classes before it can print a number, and
`typing.NamedTuple` compiles a constructor for each with `eval` (about 0.1 ms a class, 2 ms a
lookup, measured with bench/startup.py). These classes are plain tuple subclasses whose fields
are read by index, so defining one costs a tenth of that. Type checkers see
`typing.NamedTuple` itself (`if TYPE_CHECKING` in the importing module), so both agree on the
fields; tests/test_records.py holds the two to the same behaviour.

Supported: the class syntax with annotated fields and defaults, methods and properties,
`_fields`, `_field_defaults`, `_make`, `_replace`, `_asdict`, equality, hashing, pickling and a
readable repr. Not supported (and not used here): inheriting fields from another record.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type checkers know typing.NamedTuple and check every record against it
    from typing import NamedTuple as NamedTuple
else:
    _MISSING = object()

    class _RecordMeta(type):
        def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _RecordMeta:
            if namespace.get("_root"):  # the NamedTuple base itself
                return super().__new__(mcls, name, bases, namespace)
            fields = tuple(namespace.get("__annotations__", {}))
            defaults: dict[str, Any] = {}
            for index, field in enumerate(fields):
                if field in namespace:
                    defaults[field] = namespace[field]
                elif defaults:
                    raise TypeError(f"{name}: field {field} without a default follows one with a default")
                namespace[field] = property(itemgetter(index), doc=f"Field {index}: {field}")
            namespace.update(__slots__=(), _fields=fields, _field_defaults=defaults)
            namespace["_slot_of"] = {field: index for index, field in enumerate(fields)}
            return super().__new__(mcls, name, bases, namespace)

    class NamedTuple(tuple, metaclass=_RecordMeta):
        """Base for immutable records: `class Source(NamedTuple): url: str; title: str | None = None`."""

        _root = True
        __slots__ = ()
        _fields: tuple[str, ...] = ()
        _field_defaults: dict[str, Any] = {}  # noqa: RUF012 (set per class by the metaclass)
        _slot_of: dict[str, int] = {}  # noqa: RUF012

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            fields = cls._fields
            if not kwargs and len(args) == len(fields):
                return tuple.__new__(cls, args)
            if len(args) > len(fields):
                raise TypeError(f"{cls.__name__} takes {len(fields)} fields, got {len(args)}")
            values = list(args) + [_MISSING] * (len(fields) - len(args))
            for key, value in kwargs.items():
                index = cls._slot_of.get(key)
                if index is None:
                    raise TypeError(f"{cls.__name__} has no field {key!r}")
                if values[index] is not _MISSING:
                    raise TypeError(f"{cls.__name__} got field {key!r} twice")
                values[index] = value
            for index, value in enumerate(values):
                if value is _MISSING:
                    field = fields[index]
                    if field not in cls._field_defaults:
                        raise TypeError(f"{cls.__name__} is missing field {field!r}")
                    values[index] = cls._field_defaults[field]
            return tuple.__new__(cls, values)

        @classmethod
        def _make(cls, iterable: Any) -> Any:
            values = tuple(iterable)
            if len(values) != len(cls._fields):
                raise TypeError(f"{cls.__name__} takes {len(cls._fields)} fields, got {len(values)}")
            return tuple.__new__(cls, values)

        def _replace(self, **changes: Any) -> Any:
            values = list(self)
            for key, value in changes.items():
                index = self._slot_of.get(key)
                if index is None:
                    raise TypeError(f"{type(self).__name__} has no field {key!r}")
                values[index] = value
            return tuple.__new__(type(self), values)

        def _asdict(self) -> dict[str, Any]:
            return dict(zip(self._fields, self, strict=True))

        def __getnewargs__(self) -> tuple[Any, ...]:
            return tuple(self)

        def __repr__(self) -> str:
            inner = ", ".join(f"{field}={value!r}" for field, value in zip(self._fields, self, strict=True))
            return f"{type(self).__name__}({inner})"
