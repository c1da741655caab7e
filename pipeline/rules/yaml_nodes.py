"""YAML with a line on every node, and a checker that walks it collecting every problem with its place.

The rules file is read through these, so each mistake is reported as `file:line (path): message`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml

from pipeline.core.errors import RuleProblem
from pipeline.core.labels import text
from pipeline.core.text import LINE_BREAKING, clean

_DECIMAL_COMMA = re.compile(r"(-?\d+),(\d+)")  # 4,5 as a Vietnamese writes four and a half


class Node:
    """A YAML value with the line it starts on, so every problem can point at its place."""

    __slots__ = ("duplicates", "line", "value")

    def __init__(self, value: Any, line: int, duplicates: list[tuple[str, int]] | None = None) -> None:
        self.value = value
        self.line = line
        self.duplicates = duplicates or []  # keys a mapping repeats, which YAML would silently merge


def compose(source_text: str, loader_class: Any = None) -> Node | None:
    """The YAML tree with a line on every node.

    libyaml composes a province's thousands of unit lines seven times faster than the pure-Python
    parser; a file it rejects is parsed again by the pure-Python one, so every syntax error reads the
    same whether or not libyaml is installed.
    """
    if loader_class is None:
        fast = getattr(yaml, "CSafeLoader", None)
        if fast is not None:
            try:
                return compose(source_text, fast)
            except yaml.YAMLError:
                pass
        loader_class = yaml.SafeLoader
    loader = loader_class(source_text)
    try:
        root = loader.get_single_node()
        return None if root is None else _convert(loader, root)
    finally:
        loader.dispose()


def _convert(loader: yaml.SafeLoader, node: yaml.Node) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Node] = {}
        duplicates: list[tuple[str, int]] = []
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            if key in mapping:
                duplicates.append((key, key_node.start_mark.line + 1))
            mapping[key] = _convert(loader, value_node)
        return Node(mapping, line, duplicates)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(loader, item) for item in node.value], line)
    if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        # Keep the digits as written: 0.6 must stay six tenths, not the binary float next to it.
        try:
            return Node(Decimal(node.value.replace("_", "")), line)
        except ArithmeticError:
            return Node(node.value, line)
    return Node(loader.construct_object(node), line)


class Checker:
    """Walks the composed YAML, building dataclasses and collecting every problem on the way."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.problems: list[RuleProblem] = []
        self.warnings: list[RuleProblem] = []  # what was mended on the way: the file is still used

    def problem(self, path: str, node: Node | None, message_key: str, /, **params: Any) -> None:
        self.problems.append(
            RuleProblem(path, node.line if node else None, text(self.lang, f"rules.{message_key}", **params))
        )

    def warning(self, path: str, node: Node | None, message_key: str, /, **params: Any) -> None:
        self.warnings.append(
            RuleProblem(path, node.line if node else None, text(self.lang, f"rules.{message_key}", **params))
        )

    def mapping(self, node: Node, path: str, allowed: set[str], required: tuple[str, ...]) -> dict[str, Node]:
        if not isinstance(node.value, dict):
            self.problem(path, node, "not_a_mapping")
            return {}
        for key, line in node.duplicates:
            self.problem(f"{path}.{key}" if path else key, Node(None, line), "duplicate_key", key=key)
        for key, child in node.value.items():
            if key not in allowed:
                self.problem(
                    f"{path}.{key}" if path else key, child, "unknown_key", key=key,
                    allowed=", ".join(sorted(allowed)),
                )
        for key in required:
            if key not in node.value:
                self.problem(path, node, "missing_key", key=key)
        return node.value

    def sequence(self, node: Node | None, path: str, *, required: bool = True) -> list[Node]:
        if node is None:
            return []
        if not isinstance(node.value, list):
            self.problem(path, node, "not_a_list")
            return []
        if required and not node.value:
            self.problem(path, node, "empty_list")
        return node.value

    def string(self, node: Node | None, path: str, *, required: bool = True, default: str = "") -> str:
        if node is None or node.value is None or node.value == "":
            if required:
                self.problem(path, node, "missing_text")
            return default
        if isinstance(node.value, dict | list):
            self.problem(path, node, "not_text")
            return default
        value = node.value
        if isinstance(value, Decimal):
            value = format(value, "f")
        value = str(value)
        if LINE_BREAKING.search(value):
            # A name pasted from Word ("\v" for its Shift+Enter): shown on one line, and said, so the file
            # can be mended; an e-mail header or a file name cannot hold such a character.
            self.warning(path, node, "line_break_replaced")
            value = LINE_BREAKING.sub(" ", value)
        return clean(value)

    def code(self, node: Node, path: str, value: str) -> bool:
        """Whether a code (of a unit, a section, a criterion, an award) is free of line breaks; a problem if not.

        A code is matched against what units type: a character no one can type would never match."""
        if LINE_BREAKING.search(value):
            self.problem(path, node, "code_line_break")
            return False
        return True

    def number(
        self, node: Node | None, path: str, *, default: Decimal | None = None, positive: bool = False,
        minimum: Decimal | None = None,
    ) -> Decimal | None:
        if node is None:
            return default
        if not isinstance(node.value, Decimal):  # YAML's true/false arrive as bool, never as Decimal
            comma = _DECIMAL_COMMA.fullmatch(node.value.strip()) if isinstance(node.value, str) else None
            if comma:  # 4,5 as a Vietnamese writes it: YAML only knows the point
                self.problem(path, node, "decimal_comma", value=node.value, number=f"{comma[1]}.{comma[2]}")
            else:
                self.problem(path, node, "not_a_number", value=node.value)
            return default
        value: Decimal = node.value
        if positive and value <= 0:
            self.problem(path, node, "not_positive", value=value)
        elif minimum is not None and value < minimum:
            self.problem(path, node, "below_minimum", value=value, minimum=minimum)
        return value

    def integer(self, node: Node | None, path: str, *, default: int, low: int, high: int) -> int:
        if node is None:
            return default
        value = node.value
        if not isinstance(value, Decimal) or value != value.to_integral_value() or not low <= value <= high:
            self.problem(path, node, "integer_range", value=value, low=low, high=high)
            return default
        return int(value)

    def boolean(self, node: Node | None, path: str) -> bool:
        if node is None:
            return False
        if not isinstance(node.value, bool):
            self.problem(path, node, "not_boolean", value=node.value)
            return False
        return node.value

    def choice(self, node: Node | None, path: str, choices: tuple[Any, ...], default: Any) -> Any:
        """One of `choices`, or `default` (with a problem) for anything else."""
        if node is None:
            return default
        value = self.string(node, path)
        if value not in choices:
            self.problem(path, node, "bad_choice", value=value, choices=", ".join(choices))
            return default
        return value

    def share(self, node: Node | None, path: str) -> Decimal | None:
        """A share written as a fraction of one (0.85 for 85 %), greater than 0 and at most 1."""
        value = self.number(node, path)
        if value is not None and not 0 < value <= 1:
            self.problem(path, node, "share_range", value=value)
            return None
        return value
