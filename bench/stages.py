"""Time each stage of one real `run()` + `write_outputs()` call, in this process.

The stage functions are wrapped where `pipeline.run` and `pipeline.outputs.write` look them up, so the figures
come from the very code the CLI runs, not from a copy of its steps. A renamed stage fails loudly here
(and in tests/test_bench.py) instead of silently timing nothing.

Usage: python bench/stages.py [--read-only] RULES.yaml INPUT_FOLDER OUTPUT_FOLDER [WORKERS]
(prints one JSON line; --read-only times the reading stage alone, e.g. with WORKERS=0: in this process)
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

import pipeline.outputs.workbook  # noqa: E402
import pipeline.outputs.write  # noqa: E402
import pipeline.run  # noqa: E402
from pipeline.rules.load import load_rules  # noqa: E402
from pipeline.run import RunOptions  # noqa: E402
from pipeline.workspace.folders import Workspace  # noqa: E402

SECONDS: dict[str, float] = defaultdict(float)

# (module, function name) → the stage its time counts towards
STAGES = {
    (pipeline.run, "read_submissions"): "read",
    (pipeline.run, "validate"): "validate",
    (pipeline.run, "score_units"): "score_rank",
    (pipeline.run, "rank_units"): "score_rank",
    (pipeline.outputs.workbook, "write_workbook"): "write_workbook",
}


def timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        clock = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[stage] += time.perf_counter() - clock

    return wrapper


def main(argv: list[str]) -> None:
    read_only = "--read-only" in argv
    argv = [a for a in argv if a != "--read-only"]
    rules_path, input_dir, output_dir = (Path(a) for a in argv[:3])
    workers = int(argv[3]) if len(argv) > 3 else None
    if read_only:
        load_rules(rules_path)  # warms what a real run has warmed before reading (labels, caches)
        paths, _ = pipeline.run.discover(input_dir)
        clock = time.perf_counter()
        submissions = pipeline.run.read_submissions(paths, input_dir, workers=workers)
        print(json.dumps({"files": len(submissions), "read": time.perf_counter() - clock}))
        return
    for (module, name), stage in STAGES.items():
        setattr(module, name, timed(stage, getattr(module, name)))
    rules = load_rules(rules_path)
    SECONDS["start_up"] = time.perf_counter() - STARTED

    clock = time.perf_counter()
    result = pipeline.run.run(rules, Workspace(input=input_dir), RunOptions(workers=workers))
    SECONDS["run"] = time.perf_counter() - clock
    clock = time.perf_counter()
    pipeline.outputs.write.write_outputs(result, output_dir)
    SECONDS["write"] = time.perf_counter() - clock
    # What writing takes beyond the workbook: the JSON, the Word documents, staging and renaming.
    SECONDS["write_json"] = SECONDS["write"] - SECONDS["write_workbook"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"units": len(result.ranked), "exit_code": result.exit_code,
                      "peak_kb": peak // 1024 if sys.platform == "darwin" else peak, **SECONDS}))


if __name__ == "__main__":
    main(sys.argv[1:])
