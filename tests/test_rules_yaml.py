"""Rules files are composed by libyaml when it is installed, with the pure-Python parser's results and messages."""

from __future__ import annotations

import pytest
import yaml

from pipeline.core.errors import RulesError
from pipeline.forms.synthetic import synthetic_rules_yaml
from pipeline.rules.load import parse_rules
from pipeline.rules.yaml_nodes import Node, compose
from tests.conftest import SAMPLE_RULES

needs_libyaml = pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")


def _plain(node: Node) -> object:
    """A node tree as plain data, every value beside its line, duplicate keys included."""
    value = node.value
    if isinstance(value, dict):
        value = {key: _plain(child) for key, child in value.items()}
    elif isinstance(value, list):
        value = [_plain(child) for child in value]
    return (value, node.line, node.duplicates)


@needs_libyaml
@pytest.mark.parametrize("source", [SAMPLE_RULES.read_text(encoding="utf-8"), synthetic_rules_yaml(30, 60),
                                    "a: 1\na: 2\nb: [0.6, 1_000, 'x', yes, ~]\n"])
def test_libyaml_and_python_compose_the_same_tree(source):
    assert _plain(compose(source, yaml.CSafeLoader)) == _plain(compose(source, yaml.SafeLoader))


def test_a_syntax_error_reads_as_the_python_parser_words_it():
    broken = "bloc: x\nunits: [{code: A, name: a}\nsections: []\n"
    with pytest.raises(yaml.YAMLError) as python_error:
        yaml.SafeLoader(broken).get_single_node()
    with pytest.raises(RulesError) as error:
        parse_rules(broken)
    (problem,) = error.value.problems
    assert python_error.value.problem in problem.message
    # The line where the bracket opened, not where the parser gave up (tests/test_rules_yaml_errors.py)
    assert problem.line == python_error.value.context_mark.line + 1 == 2
