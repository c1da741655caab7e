"""`make fuzz`: mutated submissions, built in memory, against the reader and the validator; 0 crashes expected.

Three kinds of mutation of a few seed workbooks (templates of the example's rules, blank, filled, odd):
- bytes of the package itself (flips, cuts, inserted and repeated runs): the ZIP layer and the sniffing;
- bytes of one XML part, re-zipped: the XML and the spreadsheet reader behind a valid ZIP;
- cell-level edits of a sheet part, re-zipped: values, types, references and shared strings a person or a
  broken program might leave.
Each input goes through `read_workbook` (bytes → Submission); every batch then goes through `validate` at
once, each submission claiming its own unit so every one's rows are checked. A crash is any exception out of
either: the pipeline must turn every input into issues. Crashing inputs are saved for replay.

    python bench/fuzz.py --count 100000          # the figure in docs/guarantees.md
    python bench/fuzz.py --count 300 --seed 7    # what tests/test_fuzz_bytes.py runs
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.checking.validate import validate  # noqa: E402
from pipeline.forms.template import FilledValue, write_template  # noqa: E402
from pipeline.reading.read import Submission, read_workbook  # noqa: E402
from pipeline.rules.load import parse_rules  # noqa: E402
from pipeline.rules.model import Rules  # noqa: E402
from pipeline.workspace.folders import EXAMPLE  # noqa: E402

RULES_FILE = EXAMPLE / "schemas" / "quang-tri-co-quan-dang-2024.yaml"
BATCH = 250


def fuzz_rules(units: int = BATCH) -> Rules:
    """The example's rules with `units` units F0…, so a batch's submissions never claim the same unit."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    data["units"] = [{"code": f"F{i}", "name": f"Đơn vị thử {i}"} for i in range(units)]
    return parse_rules(yaml.safe_dump(data, allow_unicode=True), source="fuzz.yaml")


def seeds(rules: Rules) -> list[bytes]:
    """A blank template, a filled one, one with N/A, text, appraisals and evidence, all for unit F0."""
    unit = rules.unit("F0")
    assert unit is not None
    criteria = list(rules.criteria())
    filled = {c.code: FilledValue(c.max, None, "Báo cáo số 5") for c in criteria}
    odd: dict[str, FilledValue] = {}
    for i, c in enumerate(criteria):
        odd[c.code] = [FilledValue("N/A"), FilledValue("8,5", Decimal(1)), FilledValue(c.max + 1, None, "=1+1"),
                       FilledValue("đã trừ 0,5"), FilledValue(None, c.max)][i % 5]
    out = []
    with tempfile.TemporaryDirectory() as folder:
        for n, values in enumerate(({}, filled, odd)):
            path = Path(folder) / f"seed{n}.xlsx"
            write_template(rules, unit, path, filled=values)
            out.append(path.read_bytes())
    return out


# ------------------------------------------------------------------------------------------ mutations

_TOKENS = [b"<", b">", b"\"", b"&", b"&amp;", b"<c r=\"A1\">", b"</row>", b"t=\"s\"", b"t=\"e\"", b"t=\"b\"",
           b"t=\"str\"", b"t=\"inlineStr\"", b"<v>", b"</v>", b"9" * 30, b"-1", b"1E+308", b"NaN", b"\x00",
           b"\xff\xfe", "Đ".encode(), b"<![CDATA[", b"]]>", b"r=\"XFD1048576\"", b"r=\"A0\""]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not buffer:
            break
        kind = rng.randrange(7)
        at = rng.randrange(len(buffer))
        if kind == 0:
            buffer[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            buffer[at] = rng.randrange(256)
        elif kind == 2:
            del buffer[at:at + rng.randint(1, 64)]
        elif kind == 3:
            buffer[at:at] = rng.choice(_TOKENS)
        elif kind == 4:
            span = buffer[at:at + rng.randint(1, 256)]
            buffer[rng.randrange(len(buffer)):0] = span * rng.randint(1, 4)
        elif kind == 5:
            del buffer[at:]
        else:
            buffer[at:at + rng.randint(1, 16)] = bytes(rng.randint(1, 16))
    return bytes(buffer)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {info.filename: book.read(info) for info in book.infolist()}


def _zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    # Stored, not deflated: a tenth of the fuzzing time saved; the package-byte mutations keep deflate's paths.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as book:
        for name, content in parts.items():
            book.writestr(name, content)
    return out.getvalue()


def mutate_part(parts: dict[str, bytes], rng: random.Random) -> bytes:
    changed = dict(parts)
    name = rng.choice(sorted(changed))
    roll = rng.random()
    if roll < 0.05:
        del changed[name]
    elif roll < 0.08:
        changed[name] = b""
    else:
        changed[name] = mutate_bytes(changed[name], rng)
    return _zipped(changed)


_CELL = re.compile(rb"<c r=\"([A-Z]+)([0-9]+)\"([^>]*?)(/>|>(.*?)</c>)", re.S)
_VALUES: list[bytes] = [
    b"<v>0</v>", b"<v>-5</v>", b"<v>1e300</v>", b"<v>99999999999999999999</v>", b"<v>0.1</v>", b"<v>NaN</v>",
    b"<v>inf</v>", b"<v></v>", b"<v>20.000000001</v>", b"<v>1.5</v>", b"<v>45000</v>",
]
_TYPED: list[bytes] = [
    b" t=\"s\"><v>0</v>", b" t=\"s\"><v>999999</v>", b" t=\"s\"><v>-1</v>", b" t=\"e\"><v>#DIV/0!</v>",
    b" t=\"e\"><v>#N/A</v>", b" t=\"b\"><v>1</v>", b" t=\"str\"><v>N/A</v>", b" t=\"str\"><v>8,5</v>",
    b" t=\"inlineStr\"><is><t>n/a</t></is>", b" t=\"inlineStr\"><is><t>=SUM(A1)</t></is>",
    b" t=\"d\"><v>2024-05-08T00:00:00</v>", b"><f>1/0</f><v>0</v>", b"><f>D1</f>",
    " t=\"inlineStr\"><is><t>Đơn vị \u200b F1 </t></is>".encode(),
]


def edit_cells(parts: dict[str, bytes], rng: random.Random) -> bytes:
    """Cell-level edits of the first sheet: replace, retype, move, blank or duplicate a few cells."""
    sheets = sorted(n for n in parts if n.startswith("xl/worksheets/sheet"))
    if not sheets:
        return _zipped(parts)
    name = sheets[0] if rng.random() < 0.8 else rng.choice(sheets)
    xml = parts[name]
    cells = list(_CELL.finditer(xml))
    if not cells:
        return _zipped(parts)
    edits = {}
    for match in rng.sample(cells, min(len(cells), rng.randint(1, 6))):
        column, row, attrs = match[1], match[2], match[3]
        attrs = re.sub(rb"\s+t=\"[^\"]*\"", b"", attrs)
        kind = rng.randrange(6)
        if kind == 0:
            new = b"<c r=\"" + column + row + b"\"" + attrs + b">" + rng.choice(_VALUES) + b"</c>"
        elif kind == 1:
            new = b"<c r=\"" + column + row + b"\"" + attrs + rng.choice(_TYPED) + b"</c>"
        elif kind == 2:
            new = b"<c r=\"" + column + row + b"\"" + attrs + b"/>"
        elif kind == 3:  # a reference that disagrees with the cell's place
            target = rng.choice([b"A1", b"ZZ9", b"XFD1048576", column + str(int(row) + 1).encode(), b"B0"])
            new = match[0].replace(b"r=\"" + column + row + b"\"", b"r=\"" + target + b"\"", 1)
        elif kind == 4:
            new = match[0] * 2
        else:
            new = b""
        edits[match.span()] = new
    rebuilt, last = bytearray(), 0
    for (start, end), new in sorted(edits.items()):
        rebuilt += xml[last:start] + new
        last = end
    rebuilt += xml[last:]
    changed = dict(parts)
    changed[name] = bytes(rebuilt)
    if rng.random() < 0.2 and "xl/sharedStrings.xml" in changed:
        changed["xl/sharedStrings.xml"] = mutate_bytes(changed["xl/sharedStrings.xml"], rng)
    return _zipped(changed)


# ------------------------------------------------------------------------------------------------ run

def check_batch(rules: Rules, batch: list[bytes], first: int, *, marker: Path | None = None,
                ) -> list[tuple[int, str]]:
    """Read each input, then validate the batch; every exception is a crash, with the input's number.

    An empty input is skipped (one that took a process down before). `marker` gets "<batch> <input>" before
    each input is read, so a process that dies leaves word of which input killed it.
    """
    crashes: list[tuple[int, str]] = []
    submissions: list[tuple[int, Submission]] = []
    for n, data in enumerate(batch):
        if not data:
            continue
        if marker is not None:
            _note(marker, first // BATCH, n)
        submission = Submission(f"F{n}.xlsx")
        try:
            read_workbook(submission, data)
        except Exception:
            crashes.append((first + n, traceback.format_exc()))
            continue
        # Each claims its own unit: one file per unit, so validation checks every file's rows.
        if submission.unit_code == "F0":
            submission.unit_code = f"F{n}"
        if submission.identity.get("unit_code") == "F0":
            submission.identity["unit_code"] = f"F{n}"
        submissions.append((n, submission))
    if marker is not None:
        _note(marker, first // BATCH, -1)
    try:
        validate(rules, [s for _, s in submissions], expect_every_unit=False)
    except Exception:
        for n, submission in submissions:  # which input: each alone (a crash is rare, so this is too)
            submission.issues.clear()
            try:
                validate(rules, [submission], expect_every_unit=False)
            except Exception:
                crashes.append((first + n, traceback.format_exc()))
    return crashes


_STATE: dict[str, object] = {}


def _note(marker: Path, chunk: int, index: int) -> None:
    """Overwrite the marker in place, fixed width: never found empty or half written, whenever the process dies."""
    handle = _STATE.get("marker")
    if not isinstance(handle, int):
        handle = _STATE["marker"] = os.open(marker, os.O_WRONLY | os.O_CREAT, 0o644)
    os.pwrite(handle, f"{chunk:09d} {index:09d}".encode(), 0)


def _start_worker() -> None:
    rules = fuzz_rules()
    seed_bytes = seeds(rules)
    _STATE.update(rules=rules, seeds=seed_bytes, parts=[_parts(s) for s in seed_bytes])


def _batch(seed: int, chunk: int, size: int) -> tuple[list[bytes], dict[str, int]]:
    """One batch's inputs: their own random generator (seed, chunk), so they do not depend on the workers."""
    if not _STATE:
        _start_worker()
    seed_bytes, seed_parts = _STATE["seeds"], _STATE["parts"]
    assert isinstance(seed_bytes, list) and isinstance(seed_parts, list)
    rng = random.Random(f"{seed}-{chunk}")
    kinds = {"bytes": 0, "part": 0, "cells": 0}
    batch = []
    for _ in range(size):
        which = rng.randrange(len(seed_bytes))
        roll = rng.random()
        if roll < 0.3:
            kinds["bytes"] += 1
            batch.append(mutate_bytes(seed_bytes[which], rng))
        elif roll < 0.55:
            kinds["part"] += 1
            batch.append(mutate_part(seed_parts[which], rng))
        else:
            kinds["cells"] += 1
            batch.append(edit_cells(seed_parts[which], rng))
    return batch, kinds


Job = tuple[int, int, int, frozenset[int], str]  # seed, chunk, size, inputs to skip, in-flight folder


def _chunk(job: Job) -> tuple[int, dict[str, int], list[tuple[int, str, bytes]]]:
    seed, chunk, size, skip, inflight = job
    batch, kinds = _batch(seed, chunk, size)
    rules = _STATE["rules"]
    assert isinstance(rules, Rules)
    first = chunk * BATCH
    # A native library that aborts takes the process with it: say which input is being read, for the parent.
    marker = Path(inflight) / f"{os.getpid()}"
    kept = [data if n not in skip else b"" for n, data in enumerate(batch)]
    found = check_batch(rules, kept, first, marker=marker)
    _note(marker, chunk, -2)  # done with this batch
    return size, kinds, [(number, trace, batch[number - first]) for number, trace in found]


def _probe(seed: int, chunk: int, index: int) -> None:
    """Read one input alone (in a process of its own): does it take the process down?"""
    batch, _ = _batch(seed, chunk, BATCH)
    read_workbook(Submission("probe.xlsx"), batch[index])


def _takes_the_process_down(seed: int, chunk: int, index: int) -> bool:
    process = multiprocessing.get_context("spawn").Process(target=_probe, args=(seed, chunk, index))
    process.start()
    process.join()
    return process.exitcode not in (0, None)


def main(argv: list[str] | None = None, *, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=2, help="processes")
    parser.add_argument("--crashes", type=Path, default=ROOT / "bench" / "fuzz-crashes",
                        help="where crashing inputs are saved for replay")
    options = parser.parse_args(argv)
    started = time.perf_counter()
    crashes: list[tuple[int, str]] = []
    kinds = {"bytes": 0, "part": 0, "cells": 0}
    done = 0

    def crashed(number: int, trace: str, data: bytes) -> None:
        options.crashes.mkdir(parents=True, exist_ok=True)
        (options.crashes / f"crash-{options.seed}-{number}.xlsx").write_bytes(data)
        say(f"CRASH at input {number}:\n{trace}")
        crashes.append((number, trace))

    skips: dict[int, set[int]] = {}
    pending = set(range((options.count + BATCH - 1) // BATCH))

    def size_of(chunk: int) -> int:
        return min(BATCH, options.count - chunk * BATCH)

    def take(result: tuple[int, dict[str, int], list[tuple[int, str, bytes]]]) -> None:
        nonlocal done
        size, chunk_kinds, found = result
        for key, value in chunk_kinds.items():
            kinds[key] += value
        for number, trace, data in found:
            crashed(number, trace, data)
        before, done = done, done + size
        if done // 10_000 != before // 10_000:
            say(f"{done:>7} inputs, {len(crashes)} crashes, {time.perf_counter() - started:.0f} s")

    with tempfile.TemporaryDirectory() as inflight:
        if options.workers <= 1:  # in this process: what make test runs (a dying reader would take it along)
            _start_worker()
            for chunk in sorted(pending):
                take(_chunk((options.seed, chunk, size_of(chunk), frozenset(), inflight)))
            pending.clear()
        while pending:
            left = len(pending)
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(options.workers, mp_context=context, initializer=_start_worker) as pool:
                futures = {pool.submit(_chunk, (options.seed, chunk, size_of(chunk),
                                                frozenset(skips.get(chunk, ())), inflight)): chunk
                           for chunk in sorted(pending)}
                try:
                    for future in as_completed(futures):
                        take(future.result())
                        pending.discard(futures[future])
                except BrokenProcessPool:
                    pass  # a worker died: find the input below, then go on with the batches left
            for marker in list(Path(inflight).iterdir()):
                noted = marker.read_text().split()
                marker.unlink()
                chunk, index = (int(x) for x in noted) if len(noted) == 2 else (-1, -1)
                if chunk in pending and index >= 0 and _takes_the_process_down(options.seed, chunk, index):
                    batch, _ = _batch(options.seed, chunk, BATCH)
                    crashed(chunk * BATCH + index, "the process died (a native library aborted)", batch[index])
                    skips.setdefault(chunk, set()).add(index)
                    left = -1
            if pending and len(pending) == left:  # no batch finished, no input to blame: stop, never loop
                crashes.append((-1, "worker processes die without a cause found"))
                say("CRASH: worker processes die without a cause found; run with --workers 1")
                break
    elapsed = time.perf_counter() - started
    say(f"fuzz: {done} inputs ({kinds['bytes']} package bytes, {kinds['part']} part bytes, "
        f"{kinds['cells']} cell edits) from 3 seeds, seed {options.seed}, {options.workers} worker(s): "
        f"{len(crashes)} crashes in {elapsed:.0f} s")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
