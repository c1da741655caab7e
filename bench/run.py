"""The budgets a user feels, and where the time goes: `bloc-score run` from nine files to a province's.

    python bench/run.py                  # N = 10, 100, 1,000 submissions of 20 criteria, the example, --help
    python bench/run.py --big            # … and 10,000 (generating them takes a few minutes, once)
    python bench/run.py --criteria 20,60 # … also a province's long table
    python bench/run.py --sizes 3 --repeat 1 --no-example    # what tests/test_bench.py runs

`make bench` runs it in a virtual environment without the test extras, as a user installs bloc-score.

For each table size (criteria per submission) and each N it generates N filled submissions with the
project's own template writer (cached in bench/.cache/), then runs, each in a fresh Python process:

* ours       `bloc-score run` end to end, as a user types it (start-up included);
* stages     one `run()` + `write_outputs()` with every stage timed (bench/stages.py);
* 1 process  the reading stage alone without worker processes, to show what they bring;
* naive      what a data analyst would write: pandas + openpyxl, pandera per file, floats (bench/naive.py);
* sum        the least such a script does: pandas + openpyxl reading each file and summing (naive.py --sum-only);
* floor      python-calamine reading the same cells and nothing else (bench/floor.py).

Then the secretary's everyday case: the example's nine files end to end in a fresh process, median of 5,
beside `python -c "import pandas, pandera.pandas"` measured in turn with it (what no run can go below).

Times are wall-clock seconds, best of --repeat runs (3 up to N=1,000), the programs taking turns so a
slow minute of the machine touches them alike; peak memory is the largest resident set of the process or
of any of its worker processes, as the kernel reports it (ru_maxrss). The table, the targets and a JSON
copy (bench/results/) come at the end. Other work on the machine skews the figures: the header prints
the load average. The budgets (BUDGETS) are checked at the end, each `ok`, `MISSED` or `—` (not measured).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:  # a fresh clone runs without installing the package first
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = (10, 100, 1_000)
BIG_SIZE = 10_000
CRITERIA_SETS = (20,)  # a short table, as many blocs have; --criteria 20,60 adds a province's long one
CRITERIA = 20  # the table size of the budgets, and of --big
EXAMPLE_RUNS = 5
IMPORTS_ONLY = "import pandas, pandera.pandas"
EXAMPLE = ROOT / "pipeline" / "examples" / "quang-tri-2024"
GENERATION_CHUNK = 50  # submissions per task when generating in parallel

STAGE_LABELS = {
    "start_up": "start-up (imports, rules)",
    "read": "read",
    "read_one_process": "  read in one process",
    "validate": "validate",
    "score_rank": "score and rank",
    "write_workbook": "write workbook",
    "write_json": "JSON, documents: beyond it",
}


@dataclass
class Measurement:
    seconds: float
    peak_mb: float | None
    output: dict[str, Any] = field(default_factory=dict)


@dataclass
class SizeResult:
    n: int
    ours: Measurement
    stages: Measurement
    read_one_process: Measurement
    naive: Measurement
    naive_sum: Measurement
    floor: Measurement
    criteria: int = CRITERIA

    def rate(self, seconds: float) -> float:
        return self.n / seconds if seconds > 0 else float("inf")

    @property
    def read_seconds(self) -> float:
        return self.stages.output["read"]

    @property
    def floor_seconds(self) -> float:
        return self.floor.output["seconds"]


# ------------------------------------------------------------------------------------------- inputs

def _generator_digest(rules_text: str) -> str:
    """Changes when what the submissions hold could change, so a cached folder never goes stale.

    That is the rules text and their fingerprint (what a template's identity carries), the template
    writer and its xlsx helpers, the synthetic filler and the texts printed in the template.
    """
    from pipeline.rules.layout import TEMPLATE_VERSION
    from pipeline.rules.load import parse_rules

    digest = hashlib.sha256(rules_text.encode("utf-8"))
    digest.update(f"{parse_rules(rules_text).fingerprint}/{TEMPLATE_VERSION}".encode())
    for part in ("forms/template.py", "outputs/xlsx.py", "forms/synthetic.py", "core/locales/vi.yaml",
                 "core/locales/en.yaml"):
        digest.update((ROOT / "pipeline" / part).read_bytes())
    return digest.hexdigest()[:10]


def _write_chunk(task: tuple[str, list[str], str]) -> int:
    from pipeline.forms.synthetic import random_profiles, write_submissions
    from pipeline.rules.load import parse_rules

    rules_text, codes, folder = task
    rules = parse_rules(rules_text, source="rules.yaml")
    profiles = random_profiles(rules)  # one seeded sequence over all units: chunks agree with a serial run
    write_submissions(rules, {code: profiles[code] for code in codes}, folder)
    return len(codes)


def ensure_inputs(n: int, cache: Path, criteria: int = CRITERIA) -> tuple[Path, Path]:
    """The rules file and the folder of N filled submissions, generated once and then reused."""
    from pipeline.forms.synthetic import synthetic_rules_yaml
    from pipeline.rules.load import parse_rules

    rules_text = synthetic_rules_yaml(n, criteria)
    folder = cache / f"n{n}-c{criteria}-{_generator_digest(rules_text)}"
    rules_path, input_dir = folder / "rules.yaml", folder / "input"
    if (folder / "complete").exists():
        return rules_path, input_dir
    shutil.rmtree(folder, ignore_errors=True)
    input_dir.mkdir(parents=True)
    rules_path.write_text(rules_text, encoding="utf-8")
    codes = [unit.code for unit in parse_rules(rules_text, source=str(rules_path)).units]
    tasks = [(rules_text, codes[i:i + GENERATION_CHUNK], str(input_dir)) for i in range(0, n, GENERATION_CHUNK)]
    say(f"generating {n:,} submissions in {folder} …")
    clock = time.perf_counter()
    if len(tasks) == 1:
        _write_chunk(tasks[0])
    else:
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(_write_chunk, tasks))
    (folder / "complete").write_text(f"{time.perf_counter() - clock:.1f} s\n", encoding="utf-8")
    return rules_path, input_dir


# -------------------------------------------------------------------------------------- measuring

def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def spawn(command: Sequence[str], *, allowed_exit: Sequence[int] = (0,)) -> Measurement:
    """Run one command in a fresh process: its wall time, its peak memory and the JSON it printed."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        clock = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err, env=_child_env())
        peak_mb = None
        if hasattr(os, "wait4"):
            # wait4 hands back the child's own rusage: ru_maxrss is the largest of it and its workers.
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        else:  # pragma: no cover - Windows has no wait4
            process.wait()
        seconds = time.perf_counter() - clock
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode not in allowed_exit:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}:\n{stderr or stdout[-3000:]}")
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    output = json.loads(last) if last.startswith("{") else {}
    return Measurement(seconds, peak_mb, output)


def best_of(repeat: int, command: Sequence[str], **kwargs: Any) -> Measurement:
    return _best([spawn(command, **kwargs) for _ in range(max(1, repeat))])


def _best(runs: list[Measurement]) -> Measurement:
    """The fastest run, with the largest peak memory of all: the machine's noise only ever slows a run."""
    best = min(runs, key=lambda m: m.seconds)
    peaks = [m.peak_mb for m in runs if m.peak_mb is not None]
    best.peak_mb = max(peaks) if peaks else None
    return best


def _best_stages(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    """The stage timings of several runs of bench/stages.py, each stage's at its fastest."""
    best = dict(outputs[0])
    for key, value in best.items():
        if isinstance(value, float):
            best[key] = min(output[key] for output in outputs)
    return best


def bloc_score_command() -> list[str]:
    script = Path(sys.executable).parent / "bloc-score"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline"]


def measure_size(n: int, cache: Path, repeat: int, criteria: int = CRITERIA) -> SizeResult:
    """Each program `repeat` times, in turns (ours, stages, …, floor, then again), each kept at its best.

    In turns rather than one program's runs together: a slow minute of the machine then touches every
    program alike instead of whichever ran during it.
    """
    rules_path, input_dir = ensure_inputs(n, cache, criteria)
    python = sys.executable
    say(f"measuring N = {n:,}, {criteria} criteria …")
    with tempfile.TemporaryDirectory(prefix="bench-out-", dir=cache) as scratch:
        def fresh(name: str) -> str:
            return str(Path(scratch) / f"{name}-{time.monotonic_ns()}")

        # Every generated submission is valid, so anything but a complete ranking (exit 0) is a bug to see.
        commands: dict[str, Callable[[], list[str]]] = {
            "ours": lambda: [*bloc_score_command(), "run", "--rules", str(rules_path), "--input", str(input_dir),
                             "--output", fresh("ours"), "--quiet"],
            "stages": lambda: [python, str(BENCH / "stages.py"), str(rules_path), str(input_dir), fresh("stages")],
            "one": lambda: [python, str(BENCH / "stages.py"), "--read-only", str(rules_path), str(input_dir),
                            fresh("one"), "0"],  # 0: no worker process at all
            "naive": lambda: [python, str(BENCH / "naive.py"), str(rules_path), str(input_dir), fresh("naive")],
            "naive_sum": lambda: [python, str(BENCH / "naive.py"), "--sum-only", str(input_dir)],
            "floor": lambda: [python, str(BENCH / "floor.py"), str(input_dir)],
        }
        runs: dict[str, list[Measurement]] = {name: [] for name in commands}
        for _turn in range(max(1, repeat)):
            for name, command in commands.items():
                runs[name].append(spawn(command()))
    best = {name: _best(measured) for name, measured in runs.items()}
    for name in ("stages", "one"):  # each stage at its best too: one stage's slow moment is not another's
        best[name].output = _best_stages([run.output for run in runs[name]])
    return SizeResult(n, best["ours"], best["stages"], best["one"], best["naive"], best["naive_sum"], best["floor"],
                      criteria)


@dataclass
class ExampleResult:
    """The example's nine files end to end, and the bare imports of the chosen stack, each a median."""

    runs: list[float]
    imports: list[float]

    @staticmethod
    def median(values: list[float]) -> float:
        ordered = sorted(values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    @property
    def above(self) -> float:
        return self.median(self.runs) - self.median(self.imports)


def measure_example(runs: int = EXAMPLE_RUNS) -> ExampleResult:
    """Each turn runs both, one after the other, so both see the same machine."""
    rules = next((EXAMPLE / "schemas").glob("*.yaml"))
    say(f"measuring the example ({runs} runs) …")
    result = ExampleResult([], [])
    with tempfile.TemporaryDirectory(prefix="bench-example-") as scratch:
        for turn in range(runs):
            result.imports.append(spawn([sys.executable, "-c", IMPORTS_ONLY]).seconds)
            command = [*bloc_score_command(), "run", "--rules", str(rules), "--input", str(EXAMPLE / "input"),
                       "--output", str(Path(scratch) / f"run-{turn}"), "--quiet"]
            result.runs.append(spawn(command).seconds)
    return result


def measure_help(repeat: int = 5) -> float:
    return best_of(repeat, [*bloc_score_command(), "--help"]).seconds


# -------------------------------------------------------------------------------------- reporting

def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(  # noqa: E731
        c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells)).rstrip()
    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def render(results: list[SizeResult], help_seconds: float | None, example: ExampleResult | None = None,
           province: Measurement | None = None) -> str:
    parts = []
    for criteria in sorted({r.criteria for r in results}):
        if parts:
            parts.append("")
        parts.append(f"=== Submissions of {criteria} criteria ===")
        parts.append(_render_set([r for r in results if r.criteria == criteria]))
    if example is not None:
        parts.append("\nThe example's nine files, end to end in a fresh process (median of "
                     f"{len(example.runs)}), beside `python -c \"{IMPORTS_ONLY}\"`:")
        parts.append(f"  bloc-score run  {ExampleResult.median(example.runs):.3f} s   imports alone "
                     f"{ExampleResult.median(example.imports):.3f} s   above them {example.above:+.3f} s")
    if province is not None:
        parts.append(f"\nA province (bench/province.py), `bloc-score province` in a fresh process: "
                     f"{province.seconds:.2f} s, peak {province.peak_mb or 0:.0f} MB")
    parts.append("\nBudgets:")
    parts += [f"  {mark:6}  {what:70} {value}"
              for mark, what, value in targets(results, help_seconds, example, province)]
    return "\n".join(parts)


def _render_set(results: list[SizeResult]) -> str:
    parts = []
    headers = ["N", "ours s", "ours/s", "naive s", "naive/s", "sum s", "floor s", "floor/s", "ours÷naive",
               "ours÷sum", "ours÷floor", "read÷floor", "peak MB"]
    rows = []
    for r in results:
        rows.append([
            f"{r.n:,}", _seconds(r.ours.seconds), _rate(r.rate(r.ours.seconds)),
            _seconds(r.naive.seconds), _rate(r.rate(r.naive.seconds)), _seconds(r.naive_sum.seconds),
            _seconds(r.floor_seconds), _rate(r.rate(r.floor_seconds)),
            f"{r.naive.seconds / r.ours.seconds:.1f}×", f"{r.naive_sum.seconds / r.ours.seconds:.1f}×",
            f"{r.floor_seconds / r.ours.seconds:.2f}×", f"{r.floor_seconds / r.read_seconds:.2f}×",
            f"{r.ours.peak_mb:.0f}" if r.ours.peak_mb is not None else "—",
        ])
    parts.append("Submissions per second (/s) and the ratios of those speeds:")
    parts.append(_table(headers, rows))
    parts.append("  ours = `bloc-score run` end to end; naive = pandas + openpyxl + pandera per file\n"
                 "  (bench/naive.py); sum = pandas + openpyxl reading each file and summing, nothing else\n"
                 "  (naive.py --sum-only); floor = python-calamine reading the same cells, nothing else;\n"
                 "  read = our reading stage alone; a ratio is the first one's speed ÷ the second one's\n"
                 "  (5.0× = five times as many per second). Every process's time includes its start-up.")

    stage_rows = []
    for key, label in STAGE_LABELS.items():
        cells = [label]
        for r in results:
            value = r.read_one_process.output.get("read") if key == "read_one_process" else r.stages.output.get(key)
            cells.append(_seconds(value) if value is not None else "—")
        stage_rows.append(cells)
    stage_rows.append(["end to end (CLI)", *(_seconds(r.ours.seconds) for r in results)])
    parts.append("\nSeconds per stage (in-process runs, each stage's best; read: one worker below 64 files, one per "
                 "core above):")
    parts.append(_table(["stage", *(f"N={r.n:,}" for r in results)], stage_rows))

    growth = []
    for small, large in itertools.pairwise(results):
        factor = large.n / small.n
        growth.append([f"{small.n:,} → {large.n:,} (×{factor:g})",
                       *(f"×{getattr(large, name).seconds / getattr(small, name).seconds:.1f}"
                         for name in ("ours", "naive")),
                       f"×{large.floor_seconds / small.floor_seconds:.1f}"])
    if growth:
        parts.append("\nHow time grows with N:")
        parts.append(_table(["N", "ours", "naive", "floor"], growth))
    return "\n".join(parts)


# What a user feels, measured on the 2-core machine (docs/performance.md). Never in timed unit tests.
EXAMPLE_BUDGET = 1.3  # seconds, the example end to end as a whole process (median)
THOUSAND_BUDGET = 3.5  # seconds, 1,000 submissions of 20 criteria end to end
OVER_SUM = 3.5  # times the speed of reading and summing them with pandas + openpyxl, in the same bench run
GROWTH_BUDGET = 12  # time from 1,000 to 10,000 submissions (--big)
HELP_BUDGET = 0.3  # seconds, `bloc-score --help`
PROVINCE_BUDGET = 15.0  # seconds, `bloc-score province` over 40 blocs × 25 units, each its own table (issue 32)
PROVINCE_MEMORY_MB = 1024  # its peak memory, workers included


def targets(results: list[SizeResult], help_seconds: float | None,
            example: ExampleResult | None = None,
            province: Measurement | None = None) -> list[tuple[str, str, str]]:
    """(ok / MISSED / —, what, measured) for each budget."""
    checks: list[tuple[str, str, str]] = []

    def add(what: str, value: float | None, ok: bool, shown: str, missing: str = "not measured") -> None:
        checks.append(("—", what, missing) if value is None else ("ok" if ok else "MISSED", what, shown))

    def at(n: int) -> SizeResult | None:
        return next((r for r in results if r.n == n and r.criteria == CRITERIA), None)

    median = ExampleResult.median(example.runs) if example else None
    add(f"the example end to end ≤ {EXAMPLE_BUDGET} s", median, bool(median and median <= EXAMPLE_BUDGET),
        f"{median:.3f} s" if median else "")
    thousand = at(1_000)
    seconds = thousand.ours.seconds if thousand else None
    add(f"1,000 submissions × {CRITERIA} criteria end to end ≤ {THOUSAND_BUDGET} s", seconds,
        bool(seconds and seconds <= THOUSAND_BUDGET), f"{seconds:.2f} s" if seconds else "")
    over_sum = thousand.naive_sum.seconds / thousand.ours.seconds if thousand else None
    add(f"… and ≥ {OVER_SUM}× reading and summing them with pandas (naive.py --sum-only)", over_sum,
        bool(over_sum and over_sum >= OVER_SUM), f"{over_sum:.1f}×" if over_sum else "")
    big = at(BIG_SIZE)
    growth = big.ours.seconds / thousand.ours.seconds if big and thousand else None
    add(f"time grows ≤ {GROWTH_BUDGET}× from 1,000 to 10,000 submissions", growth,
        bool(growth and growth <= GROWTH_BUDGET), f"×{growth:.1f}" if growth else "", "run with --big")
    add(f"`bloc-score --help` under {HELP_BUDGET} s", help_seconds,
        bool(help_seconds is not None and help_seconds < HELP_BUDGET),
        f"{help_seconds:.3f} s" if help_seconds is not None else "")
    seconds = province.seconds if province else None
    add(f"a province of 40 blocs × 25 units end to end ≤ {PROVINCE_BUDGET:.0f} s", seconds,
        bool(seconds and seconds <= PROVINCE_BUDGET), f"{seconds:.2f} s" if seconds else "", "--no-province")
    peak = province.peak_mb if province else None
    add(f"… its peak memory < {PROVINCE_MEMORY_MB} MB", peak, bool(peak and peak < PROVINCE_MEMORY_MB),
        f"{peak:.0f} MB" if peak else "", "--no-province")
    return checks


def measure_province(cache: Path, repeat: int) -> Measurement:
    """`bloc-score province` over the province of bench/province.py, best of `repeat`."""
    from bench.province import command, ensure_province

    say("generating the province of 40 blocs × 25 units (once) …")
    folder = ensure_province(cache)
    with tempfile.TemporaryDirectory() as out:
        return best_of(repeat, command(folder, Path(out)), allowed_exit=(0, 1))


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages * page_size / 2**30:.0f} GB"
    except (ValueError, OSError, AttributeError):
        memory = "?"
    load = "/".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{os.cpu_count()} cores ({cpu}), {memory} RAM, load average {load}; "
            f"Python {platform.python_version()} on {platform.system()}")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------- main

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated numbers of submissions (default: %(default)s)")
    parser.add_argument("--criteria", default=",".join(map(str, CRITERIA_SETS)),
                        help="comma-separated table sizes, criteria per submission (default: %(default)s)")
    parser.add_argument("--big", action="store_true", help=f"also measure N={BIG_SIZE:,} ({CRITERIA} criteria)")
    parser.add_argument("--no-example", action="store_true", help="skip the example's end-to-end line")
    parser.add_argument("--no-province", action="store_true",
                        help="skip the province of 40 blocs × 25 units (generating it takes a minute or two, once)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per measurement, in turns, best kept (default: 3 up to N=1,000, then 1)")
    parser.add_argument("--cache", type=Path, default=BENCH / ".cache", help="where generated inputs are kept")
    parser.add_argument("--results", type=Path, default=BENCH / "results", help="where the JSON copy goes")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    criteria_sets = sorted({int(c) for c in args.criteria.split(",") if c.strip()})
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"bloc-score benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M}: {machine()}")
    print(f"Submissions of {' and '.join(map(str, criteria_sets))} criteria (synthetic_rules_yaml), filled by the "
          "real template writer.\n", flush=True)
    results = []
    for criteria in criteria_sets:
        for n in sizes + ([BIG_SIZE] if args.big and criteria == CRITERIA and BIG_SIZE not in sizes else []):
            repeat = args.repeat if args.repeat is not None else (3 if n <= 1_000 else 1)
            results.append(measure_size(n, args.cache, repeat, criteria))
    example = None if args.no_example else measure_example()
    help_seconds = measure_help()
    province = None if args.no_province else measure_province(args.cache, args.repeat or 1)
    report = render(results, help_seconds, example, province)
    print(report)
    args.results.mkdir(parents=True, exist_ok=True)
    saved = args.results / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    saved.write_text(json.dumps({"machine": machine(), "help_seconds": help_seconds,
                                 "example": asdict(example) if example else None,
                                 "sizes": [asdict(r) for r in results],
                                 "province": asdict(province) if province else None}, indent=2) + "\n",
                     encoding="utf-8")
    print(f"\nSaved: {saved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
