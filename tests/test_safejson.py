"""safejson: JSON from outside, parsed with a size and a depth limit, or refused."""

import pytest

from generator import safejson


def nested(depth: int) -> str:
    return '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)


def test_ordinary_json_is_parsed():
    assert safejson.loads(b'{"data": {"taskId": "abc", "n": [1, 2.5, true, null]}}') == {
        "data": {"taskId": "abc", "n": [1, 2.5, True, None]}
    }
    assert safejson.loads('"caf\\u00e9"') == "café"


def test_depth_up_to_the_limit_is_fine_and_beyond_it_refused():
    assert safejson.loads(nested(safejson.MAX_DEPTH))
    with pytest.raises(safejson.JSONRefused, match="deeper than 64"):
        safejson.loads(nested(safejson.MAX_DEPTH + 1))


def test_a_deep_body_far_past_the_recursion_limit_is_refused_not_crashed():
    with pytest.raises(safejson.JSONRefused, match="deeper"):
        safejson.loads("[" * 200_000, max_bytes=10**6)


def test_brackets_inside_strings_do_not_count():
    text = '{"a": "' + "[[[[{{{{" * 100 + '\\"[[["}'
    assert safejson.loads(text)["a"].startswith("[[[[")


def test_too_large_is_its_own_refusal():
    with pytest.raises(safejson.JSONTooLarge):
        safejson.loads(b'"' + b"x" * 100 + b'"', max_bytes=50)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        b"\xff\xfe{",
        '{"a": NaN}',
        '{"a": Infinity}',
        "[-Infinity]",
        '{"a": "\\ud800"}',  # a lone surrogate: no database can store it
        '{"\\udfff": 1}',
        '{"a": "x\\u0000y"}',  # PostgreSQL stores no NUL character
        '"\\u0000"',
        '{"a": 1} trailing',
    ],
)
def test_garbage_is_refused_with_a_reason(text):
    with pytest.raises(safejson.JSONRefused) as caught:
        safejson.loads(text)
    assert str(caught.value)


def test_unterminated_strings_full_of_escaped_quotes_are_refused_quickly():
    import time

    started = time.monotonic()
    with pytest.raises(safejson.JSONRefused):
        safejson.loads('"' + '\\"' * 30_000)
    assert time.monotonic() - started < 1


def test_a_number_too_large_to_be_finite_is_refused():
    with pytest.raises(safejson.JSONRefused, match="finite"):
        safejson.loads(b'{"progress": 1e999}')


def test_progress_that_is_not_a_number_is_unknown():
    from generator.kie.parsing import as_progress

    assert as_progress("NaN") is None and as_progress("inf") is None
    assert as_progress("0.5") == 0.5
