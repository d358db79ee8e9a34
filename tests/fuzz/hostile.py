"""What the fuzz tests throw, and what they check on every answer."""

from __future__ import annotations

import io

import pytest
from hypothesis import strategies as st

from generator import catalog
from tests.helpers import png_bytes

# Text as a hostile client sends it: any character (NUL and control characters
# included), sometimes long.
junk = st.one_of(st.text(max_size=40), st.text(min_size=200, max_size=6000))
ids = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "-1", "²", "١٢", "1e3", " 7 ", "1_0", str(2**63), "9" * 5000]),
    junk,
)
numbers = st.one_of(
    st.floats().map(repr),
    st.integers().map(str),
    st.sampled_from(["NaN", "nan", "inf", "-Infinity", "1e999", "0x10", "1_000", "١", " 5 "]),
    junk,
)


def value_for(param: catalog.Param) -> st.SearchStrategy:
    """A value for a catalog field: often a good one, often not."""
    if param.type is catalog.ParamType.CHOICE:
        return st.one_of(st.sampled_from([str(v) for v in param.choice_values()]), junk)
    if param.type is catalog.ParamType.BOOL:
        return st.one_of(st.sampled_from(["on", "true", "false", "", "0"]), junk)
    if param.type in (catalog.ParamType.INT, catalog.ParamType.FLOAT):
        return numbers
    if param.type is catalog.ParamType.IMAGES:
        return st.lists(upload(), max_size=3)
    return junk


class Upload(io.BytesIO):
    """A file as the test client posts it, with any name (Django's own file classes
    refuse some names before they are sent)."""

    def __init__(self, content: bytes, name: str, content_type: str):
        super().__init__(content)
        self.name = name
        self.content_type = content_type


@st.composite
def upload(draw) -> Upload:
    content = draw(st.one_of(st.just(png_bytes(8, 8)), st.binary(max_size=300)))
    name = draw(st.one_of(st.just("photo.png"), st.text(min_size=1, max_size=60)))
    content_type = draw(st.sampled_from(["image/png", "image/jpeg", "text/html", "", "x/\x00"]))
    return Upload(content, name, content_type)


# Query strings and form fields nobody should send: any name, any value.
extra_fields = st.dictionaries(st.text(min_size=1, max_size=20), junk, max_size=4)


def answer(client, method: str, url: str, **kwargs):
    """The response, failing the test on an exception, a server error or a traceback."""
    try:
        response = getattr(client, method)(url, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any exception is the finding
        pytest.fail(f"{method.upper()} {url} raised {exc!r}")
    assert response.status_code < 500, f"{method.upper()} {url} -> {response.status_code}"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Traceback" not in body
    return response
