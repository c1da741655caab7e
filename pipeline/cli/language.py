"""The language of the command line, decided once before click parses anything, and read everywhere.

`--lang`, else the `language:` line of the working folder's rules files when they agree (a plain line scan,
before any YAML is parsed), else the system's locale (a Vietnamese one → vi, an English one → en), else
Vietnamese. In that language: every command's help and metavars (`localise`, from `cli.*` in the locales)
and click's own texts — usage errors, "Usage:", "Options:" — through click's gettext hook: a catalogue
(`click.*` in the locales) written as a `.mo` file into a temporary folder of the process's own, once per
process, and installed with Python's `gettext`.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gettext
import locale
import os
import re
import shutil
import struct
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from pipeline.core.labels import LANGUAGES, catalogue, text

_LANGUAGE_LINE = re.compile(r"""^language:[ \t]*["']?(vi|en)["']?[ \t]*(?:#.*)?$""", re.MULTILINE)
_DOMAIN = "bloc-score"
_current = ["vi"]


def current() -> str:
    """The language `decide` chose for the command line being run (vi before any)."""
    return _current[0]


def decide(args: Sequence[str], folder: Path | None = None) -> str:
    """The language of this command line (`args` without the program's name), in `folder` (default: here)."""
    given = _option(args, "--lang")
    if given in LANGUAGES:
        return _chosen(given)
    words = [arg for arg in args if not arg.startswith("-")]
    command = words[0] if words else None
    # new-year's --previous is a rules file; run's is last year's results (JSON), not one
    rules = _option(args, "--rules") or (_option(args, "--previous") if command == "new-year" else None)
    if rules is None and command == "rules" and len(words) > 1:
        rules = words[1]
    folder = folder or Path.cwd()
    files = [folder / rules] if rules else sorted((folder / "schemas").glob("*.y*ml"))
    declared = {_declared(path) for path in files} - {None}
    if len(declared) == 1:
        return _chosen(str(declared.pop()))
    return _chosen(system_language() or "vi")


def _chosen(lang: str) -> str:
    _current[0] = lang
    return lang


def _option(args: Sequence[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _declared(path: Path) -> str | None:
    """The rules file's `language:` line, or "vi" (its default) when it has none; None if it cannot be read."""
    try:
        found = _LANGUAGE_LINE.search(path.read_text(encoding="utf-8-sig", errors="replace"))
    except OSError:
        return None
    return found[1] if found else "vi"


def system_language() -> str | None:
    """vi or en as the system's locale says (the environment's on Linux and macOS, the user's on Windows)."""
    names = [os.environ.get(name, "") for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
    if not any(names):  # Windows sets none of them: its user's setting (getlocale() would read C as en_US)
        with contextlib.suppress(ValueError, locale.Error):
            names.append(locale.setlocale(locale.LC_CTYPE) or "")
    for name in names:
        first = name.split(":")[0].strip().lower()
        if not first or first.startswith(("c.", "posix")) or first == "c":
            continue
        if first.startswith(("vi", "vietnam")):
            return "vi"
        if first.startswith(("en", "english")):
            return "en"
        return None
    return None


# click's own texts (its msgids, as its modules pass them to gettext) → the key of each in `click.*`.
_CLICK_TEXTS = {
    "Usage:": "usage", "Options": "options", "Commands": "commands", "Positional arguments": "arguments",
    "Show this message and exit.": "help", "Show the version and exit.": "version",
    "%(prog)s, version %(version)s": "version_line", "Error: {message}": "error",
    "Try '{command} {option}' for help.": "try_help", "No such command {name!r}.": "no_command",
    "No such option {name!r}.": "no_option", "Missing command.": "missing_command",
    "Missing argument": "missing_argument", "Missing option": "missing_option",
    "Missing parameter": "missing_parameter", "Missing parameter: {param_name}": "missing_parameter_named",
    "Missing {param_type}": "missing_type", "Invalid value for {param_hint}: {message}": "invalid_value_for",
    "Invalid value: {message}": "invalid_value", "file": "file", "directory": "directory", "path": "path",
    "{name} {filename!r} does not exist.": "does_not_exist", "{name} {filename!r} is a file.": "is_file",
    "{name} {filename!r} is a directory.": "is_directory", "{name} {filename!r} is not readable.": "not_readable",
    "{name} {filename!r} is not writable.": "not_writable", "{value} is not in the range {range}.": "not_in_range",
    "{value!r} is not a valid {number_type}.": "not_a_number", "Aborted!": "aborted",
    "Could not open file {filename!r}: {message}": "cannot_open", "default: {default}": "default",
    "Option {name!r} does not take a value.": "takes_no_value", "Choose from:\n\t{choices}": "choose_from",
    "{value!r} is not a valid boolean. Recognized values: {states}": "not_a_boolean",
}
_CLICK_PLURALS = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "extra_arguments",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): "requires_argument",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "not_a_choice",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): "did_you_mean",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        "bad_format",
}


def _mo(lang: str) -> bytes:
    """A GNU gettext catalogue of click's texts in `lang`, as `msgfmt` would write it."""
    table = catalogue(lang)
    pairs = {"": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"}
    for msgid, key in _CLICK_TEXTS.items():
        pairs[msgid] = table[f"click.{key}"]
    for (one, other), key in _CLICK_PLURALS.items():
        pairs[f"{one}\0{other}"] = f"{table[f'click.{key}_one']}\0{table[f'click.{key}_other']}"
    ids = sorted(pairs)
    encoded = [(msgid.encode(), pairs[msgid].encode()) for msgid in ids]
    start = 7 * 4 + 16 * len(ids)
    keys = b"".join(k + b"\0" for k, _ in encoded)
    values = b"".join(v + b"\0" for _, v in encoded)
    offsets: list[int] = []
    at = 0
    for k, _ in encoded:
        offsets += [len(k), start + at]
        at += len(k) + 1
    at = 0
    for _, v in encoded:
        offsets += [len(v), start + len(keys) + at]
        at += len(v) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(ids), 7 * 4, 7 * 4 + 8 * len(ids), 0, 0)
    return header + struct.pack(f"{len(offsets)}i", *offsets) + keys + values


@functools.cache
def _catalogue_folder() -> Path:
    """A folder of this process's own holding the `.mo` files (nothing written into the package, nothing
    another user of the computer could have placed), removed when the program ends."""
    folder = Path(tempfile.mkdtemp(prefix="bloc-score-click-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for lang in LANGUAGES:
        path = folder / lang / "LC_MESSAGES" / f"{_DOMAIN}.mo"
        path.parent.mkdir(parents=True)
        path.write_bytes(_mo(lang))
    return folder


@contextlib.contextmanager
def click_speaks(lang: str) -> Iterator[None]:
    """click's texts in `lang` for the duration (gettext reads the language from LANGUAGE; restored after)."""
    earlier = os.environ.get("LANGUAGE")
    try:
        gettext.bindtextdomain(_DOMAIN, str(_catalogue_folder()))
        gettext.textdomain(_DOMAIN)
    except OSError:  # no temporary folder to write in: click's own English, the rest still in `lang`
        yield
        return
    os.environ["LANGUAGE"] = lang
    try:
        yield
    finally:
        if earlier is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = earlier


def localise(group: click.Group, lang: str) -> None:
    """Every command's help, each option's help and metavar, in `lang` (`cli.<command>.*`, else `cli.option.*`)."""
    table = catalogue(lang)
    commands: list[tuple[str, click.Command]] = [("main", group), *group.commands.items()]
    for name, command in commands:
        key = name.replace("-", "_")
        command.help = table[f"cli.{key}.help"].replace("\\b\n", "\b\n")  # click's mark: keep these lines
        command.short_help = table.get(f"cli.{key}.short")
        command.options_metavar = table["cli.metavar.options"]
        if isinstance(command, click.Group):
            command.subcommand_metavar = table["cli.metavar.command"]
        shown = command.get_help_option(click.Context(command))  # click makes it once per command: set it here
        if shown is not None:
            shown.help = table["click.help"]
        for param in command.params:
            if param.name == "version":
                param.help = table["click.version"]
            if param.name in (None, "help", "version"):
                continue
            param_key = f"cli.{key}.{param.name}"
            if isinstance(param, click.Option):
                param.help = table.get(param_key) or table[f"cli.option.{param.name}"]
            metavar = table.get(f"cli.metavar.{param.name}")
            if metavar is not None:
                param.metavar = metavar
            if param.name == "lang" and name != "init":  # init's rules file is Vietnamese unless asked
                param.default = lang  # the language decided, read by every command as if given
            if isinstance(param.type, click.Path):
                kind = "file" if not param.type.dir_okay else "directory" if not param.type.file_okay else "path"
                param.type.name = text(lang, f"click.{kind}")
