"""Every text a user sees, looked up by key in one catalogue per language (locales/<lang>.yaml)."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("vi", "en")
# The custom document property naming the language a workbook is written in (set by `new_workbook`), so that
# `bloc-score pdf` prints it with that language's number forms whatever language the person printing reads.
LANGUAGE_PROPERTY = "Language"


@dataclass(frozen=True)
class Label:
    """A parameter that is itself a catalogue text, so an issue can be rendered later in any language."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The flat key → text table of one language."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    source = resources.files("pipeline.core").joinpath("locales", f"{lang}.yaml")
    return parse_catalogue(source.read_text(encoding="utf-8"))


def parse_catalogue(source: str) -> dict[str, str]:
    """The flat table of a catalogue's YAML text."""
    # libyaml, where PyYAML has it: the pure-Python parser took 0.1 s of every run for these two files.
    return _flatten(yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value)
    return flat


# `{count|file|files}`: the word for one, or for any other number, of the parameter `count`.
_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")


def placeholders(template: str) -> set[str]:
    """The `{name}` fields a text expects, so tests can hold the two languages to the same ones."""
    plain = _PLURAL.sub(lambda match: "{" + match[1] + "}", template)
    return {field for _, field, _, _ in string.Formatter().parse(plain) if field}


def plural(count: Any, one: str, other: str) -> str:
    """`one` for exactly 1 (1 file, 1 point), `other` for any other number (0 files, 0.5 points, 2 files)."""
    try:
        return one if count == 1 and not isinstance(count, bool) else other
    except TypeError:
        return other


def format_number(value: Decimal | Fraction | float | int, lang: str, decimals: int | None = None) -> str:
    """A number as a reader of `lang` writes it: `95,5` in Vietnamese, `95.5` in English.

    Thousands are not grouped: in a score, `1.000` would read as one thousand to some and one to others.
    """
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if decimals is not None:
        from pipeline.core.numbers import round_half_away

        number = round_half_away(number, decimals)
    text = format(number.normalize(), "f") if decimals is None else format(number, "f")
    if text in ("-0", "-0.0"):
        text = text[1:]
    return text.replace(".", ",") if lang == "vi" else text


def text(lang: str, key: str, /, **params: Any) -> str:
    """The text for `key` in `lang`, with numbers written the way that language writes them."""
    template = catalogue(lang)[key]
    if "|" in template:
        template = _PLURAL.sub(lambda match: plural(params.get(match[1]), match[2], match[3]), template)
    return template.format(**{name: _shown(value, lang) for name, value in params.items()})


def _shown(value: Any, lang: str) -> Any:
    if isinstance(value, Label):
        return text(lang, value.key, **dict(value.params))
    if isinstance(value, Decimal | Fraction | float) and not isinstance(value, bool):
        return format_number(value, lang)
    return value
