"""Random arguments to `kie generate`: a task or a CommandError, never another exception."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from generator import catalog
from tests.fuzz.hostile import junk, numbers

names = [p.name for m in catalog.MODELS for op in m.operations for p in op.params]
settings_given = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(names), st.one_of(numbers, junk)).map("=".join),
        junk,  # with or without "=", any key
    ),
    max_size=5,
)


@pytest.mark.django_db
@given(
    model=st.one_of(st.sampled_from([m.key for m in catalog.MODELS]), junk),
    operation=st.one_of(st.none(), st.sampled_from(["text-to-image", "edit", "remix"]), junk),
    prompt=junk,
    given_settings=settings_given,
)
def test_kie_generate(staff, model, operation, prompt, given_settings):
    args = ["generate", model, f"--prompt={prompt}", "--json"]
    args += [f"--operation={operation}"] if operation is not None else []
    args += [f"--set={item}" for item in given_settings]
    try:
        call_command("kie", *args, stdout=StringIO())
    except CommandError as exc:
        assert str(exc) and "Traceback" not in str(exc)
    except Exception as exc:  # noqa: BLE001 - any other exception is the finding
        pytest.fail(f"kie {args!r} raised {exc!r}")
