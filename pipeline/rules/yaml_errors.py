"""A syntax error of the rules file in words: which common mistake it is, on which line, and what to do.

PyYAML says what its parser met (`found character '\\t' that cannot start any token`); a secretary needs
the mistake (a tab, an unclosed quote …) and the line where it starts, which for an unclosed quote or
bracket is the line where it opened, not the end of the file where the parser gave up. The parser's own
text follows in parentheses, for whoever helps.
"""

from __future__ import annotations

import re

import yaml

from pipeline.core.labels import text

_RESERVED = re.compile(r"found character '(\\t|.)' that cannot start any token")  # a tab as its repr
_ALIAS = re.compile(r"found undefined alias '([^']*)'")
_ANCHOR = re.compile(r"found duplicate anchor '([^']*)'")


def explain(error: yaml.YAMLError, lang: str) -> tuple[int | None, str]:
    """The line (1-based) and the message of a syntax error of the rules file, in `lang`."""
    problem = str(getattr(error, "problem", None) or "")
    context = str(getattr(error, "context", None) or "")
    problem_mark = getattr(error, "problem_mark", None)
    context_mark = getattr(error, "context_mark", None)
    mark, key, params = problem_mark, "yaml.unknown", {}
    if (found := _RESERVED.search(problem)) and found[1] in ("\\t", "\t"):
        key = "yaml.tab"
    elif found:
        key, params = "yaml.reserved", {"character": found[1]}
    elif "quoted scalar" in context:
        mark, key = context_mark or mark, "yaml.unclosed_quote"
    elif "flow sequence" in context or "flow mapping" in context:
        opened = "[" if "sequence" in context else "{"
        mark, key, params = context_mark or mark, "yaml.unclosed_bracket", {"opened": opened,
                                                                            "closing": "]" if opened == "[" else "}"}
    elif "could not find expected ':'" in problem:
        mark, key = context_mark or mark, "yaml.missing_colon"
    elif "mapping values are not allowed" in problem:
        key = "yaml.colon_in_value"
    elif "expected <block end>" in problem or ("block" in context and "expected" in problem):
        key = "yaml.indentation"
    elif found := _ANCHOR.search(context):
        key, params = "yaml.duplicate_anchor", {"name": found[1]}
    elif found := _ALIAS.search(problem):
        key, params = "yaml.undefined_alias", {"name": found[1]}
    detail = " ".join(part for part in (context, problem) if part) or str(error)
    explanation = text(lang, key, **params)
    return (mark.line + 1 if mark is not None else None,
            text(lang, "rules.yaml_syntax", explanation=explanation, detail=detail))
