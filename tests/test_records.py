"""records.NamedTuple must behave like typing.NamedTuple wherever crisiscli relies on it: the
model is built with it at run time, while type checkers check it as typing.NamedTuple."""

from __future__ import annotations

import copy
import pickle
import typing

import pytest

from crisiscli import records


class Fast(records.NamedTuple):
    url: str
    accessed: str
    title: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def shout(self) -> str:
        return self.url.upper()


class Slow(typing.NamedTuple):
    url: str
    accessed: str
    title: str | None = None
    tags: tuple[str, ...] = ()


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("u", "a"), {}),
        (("u", "a", "t", ("x",)), {}),
        (("u",), {"accessed": "a", "tags": ("y",)}),
        ((), {"url": "u", "accessed": "a", "title": None}),
    ],
)
def test_construction_matches_typing_namedtuple(args, kwargs):
    fast, slow = Fast(*args, **kwargs), Slow(*args, **kwargs)
    assert tuple(fast) == tuple(slow)
    assert fast._asdict() == slow._asdict()
    assert fast == slow and hash(fast) == hash(slow)
    assert fast._fields == slow._fields and fast._field_defaults == slow._field_defaults
    assert fast._replace(title="new") == slow._replace(title="new")
    assert Fast._make(list(slow)) == fast
    assert repr(fast) == repr(slow).replace("Slow", "Fast")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("u",), {}, "missing field 'accessed'"),
        (("u", "a"), {"colour": 1}, "no field 'colour'"),
        (("u", "a"), {"url": "v"}, "field 'url' twice"),
        (("u", "a", "t", (), "extra"), {}, "takes 4 fields"),
    ],
)
def test_bad_construction_raises_type_error_like_typing_namedtuple(args, kwargs, message):
    with pytest.raises(TypeError, match=message):
        Fast(*args, **kwargs)
    with pytest.raises(TypeError):
        Slow(*args, **kwargs)


def test_records_are_immutable_and_keep_their_methods():
    record = Fast("u", "a")
    with pytest.raises(AttributeError):
        record.url = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        record.extra = 1  # type: ignore[attr-defined]
    assert record.shout == "U"
    assert record.url == record[0] == "u"
    with pytest.raises(TypeError):
        record._make(["too few"])
    with pytest.raises(TypeError):
        record._replace(colour="red")


def test_records_survive_pickle_and_copy():
    record = Fast("u", "a", "t", ("x",))
    assert pickle.loads(pickle.dumps(record)) == record
    assert type(pickle.loads(pickle.dumps(record))) is Fast
    assert copy.deepcopy(record) == record and copy.copy(record) is not None


def test_a_required_field_after_a_default_is_refused_as_typing_does():
    with pytest.raises(TypeError):

        class Wrong(records.NamedTuple):
            title: str | None = None
            url: str
