"""The error helpers every layer raises through."""

from __future__ import annotations

from enum import StrEnum

import pytest

from emr_desktop.core.errors import ValidationError, parse_choice


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


def test_parse_choice_returns_the_member() -> None:
    assert parse_choice(Colour, "blue", "colour", "màu", "colour") is Colour.BLUE


def test_parse_choice_names_the_field_and_lists_the_choices() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_choice(Colour, "green", "colour", "màu", "colour")
    assert (caught.value.field, caught.value.rule) == ("colour", "choice")
    assert "Màu 'green' không có; chọn một trong: red, blue" in caught.value.message_vi
    assert "No colour 'green'; choose one of: red, blue" in caught.value.message_en
