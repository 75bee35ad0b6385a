"""Build speed against the inliners alone, like with like, in one run.

Every figure is CPU time per edition of the sample issue (9 editions), each measured in a
fresh process (so nothing is warm that a real `newsletter build` would not have warm),
in interleaved rounds (build, premailer, juice, build, …: the machine's load falls on
all of them alike), and the median of the rounds is shown:

- the build: `build()` of the sample issue, after the imports (and, beside it, the whole
  `newsletter build`-like process with its interpreter start and imports), with what a
  volunteer's machine keeps between builds warm (Jinja2's compiled templates, the kept
  line breaks: build/breaks.py); and the same with no line breaks kept, as the first
  build on a machine runs;
- premailer alone on the same HTML: the build's own edition HTML before inlining, given
  to premailer with the build's options, as one call per edition;
- juice alone on the same HTML, when `node` and the npm package (`npm ci`) are present;
- `newsletter check` against `newsletter build` (which also runs the checks), both as
  whole processes: check finds the build current and reuses it;
- with `--before REV`: the build of that git revision (e.g. `main`), from `git archive`,
  measured the same way, for before/after figures.

    python benchmarks/build.py [--rounds 7] [--before main]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ISSUE = "issues/2026-11"
JUICE = REPO / "node_modules" / "juice"

# Each child prints one JSON line: {"cpu_ms": CPU of the measured part, "editions": n}.
BUILD_CHILD = """
import json, os, shutil, sys, time
from pathlib import Path
from newsletter.build.pipeline import build
project, out = Path(sys.argv[1]), Path(sys.argv[2])
if sys.argv[3:] == ["forget"]:   # the first build on a machine: no line breaks kept
    shutil.rmtree(os.environ["NEWSLETTER_CACHE_DIR"], ignore_errors=True)
start = time.process_time()
result = build(project / "{issue}", out, environ=dict(os.environ))
print(json.dumps({{"cpu_ms": (time.process_time() - start) * 1000, "editions": len(result.editions)}}))
"""

PREMAILER_CHILD = """
import json, sys, time
from pathlib import Path
from newsletter.build.inline import inline_css   # premailer with the build's options
pages = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.html"))]
start = time.process_time()
for page in pages:
    inline_css(page)
print(json.dumps({"cpu_ms": (time.process_time() - start) * 1000, "editions": len(pages)}))
"""

JUICE_CHILD = """
const fs = require("fs"), path = require("path");
const juice = require(process.argv[1]);   // node -e: arguments start at argv[1]
const dir = process.argv[2];
const pages = fs.readdirSync(dir).filter(n => n.endsWith(".html")).sort()
  .map(n => fs.readFileSync(path.join(dir, n), "utf8"));
const start = process.cpuUsage();
for (const page of pages) juice(page, {removeStyleTags: true, preserveMediaQueries: true, preservePseudos: true});
const used = process.cpuUsage(start);
console.log(JSON.stringify({cpu_ms: (used.user + used.system) / 1000, editions: pages.length}));
"""


def run_child(command: list[str], env: dict | None = None, cwd: Path | None = None) -> dict:
    """Run one measuring child; adds the child's whole-process CPU (getrusage). A child
    that prints no JSON (a CLI command) is measured as a whole process only."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # cwd: `python -c` puts the working directory first on sys.path, before PYTHONPATH
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd or tempfile.gettempdir())
    last = (out.stdout.strip().splitlines() or [""])[-1]
    if out.returncode not in (0, 1) or (out.returncode == 1 and last.startswith("{")) \
            or (command[1] == "-c" and not last.startswith("{")):   # 1: `newsletter check` found problems
        raise SystemExit(f"{' '.join(command[:3])} failed (a --before revision must build this "
                         f"project as laid out now):\n{out.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(last) if last.startswith("{") else {"cpu_ms": None, "editions": 1}
    figures["process_ms"] = ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000
    return figures


def code_env(source: Path, cache: Path | None = None) -> dict:
    """Import `newsletter` from `source` (PYTHONPATH comes before the editable install);
    `cache`: the folder a build keeps its line breaks in (as ~/.cache/newsletter would be)."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return env | {"PYTHONPATH": str(source)} | ({"NEWSLETTER_CACHE_DIR": str(cache)} if cache else {})


def prepare(work: Path, before: str | None) -> dict[str, Path]:
    """A copy of the sample project, its edition HTML before inlining, and old sources."""
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import copy_project

    from newsletter.build.cache import BuildCache
    from newsletter.build.pipeline import (
        load_catalogs,
        load_config,
        plan_editions,
        read_issue,
    )
    from newsletter.build.personal import neutralise
    from newsletter.build.render import render_edition
    from newsletter.build.views import edition_view

    paths = {"project": copy_project(work / "project"), "html": work / "html", "out": work / "out",
             "cache": work / "cache", "cache-first": work / "cache-first"}
    paths["html"].mkdir()
    config = load_config(paths["project"])
    issue = read_issue(config, paths["project"] / ISSUE)
    cache = BuildCache(config.root, load_catalogs(config))
    for i, edition in enumerate(plan_editions(config, issue)):
        view = neutralise(edition_view(config, issue, edition, cache.ui_for(edition.languages), cache.bodies))
        html = render_edition(cache.env, view, edition.sponsor.colors.__dict__).html
        (paths["html"] / f"{i:02}.html").write_text(html, encoding="utf-8")
    if before:
        paths["before"] = work / "before"
        archive = subprocess.run(["git", "-C", str(REPO), "archive", before, "newsletter"],
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(paths["before"], filter="data")
    return paths


def contenders(paths: dict[str, Path]) -> dict[str, tuple]:
    python = sys.executable
    child = [python, "-c", BUILD_CHILD.format(issue=ISSUE), str(paths["project"]), str(paths["out"])]
    found = {
        "build": (child, code_env(REPO, paths["cache"])),
        "build (first)": (child + ["forget"], code_env(REPO, paths["cache-first"])),
        "premailer": ([python, "-c", PREMAILER_CHILD, str(paths["html"])], code_env(REPO)),
    }
    if "before" in paths:
        found["build (before)"] = (child, code_env(paths["before"], paths["cache"]))
    for command in ("build", "check"):   # the whole commands, as a volunteer runs them
        found[f"cli {command}"] = ([python, "-m", "newsletter", command, ISSUE], code_env(REPO, paths["cache"]),
                                   paths["project"])
    node = shutil.which("node")
    if node and JUICE.is_dir():
        found["juice"] = ([node, "-e", JUICE_CHILD, str(JUICE), str(paths["html"])], dict(os.environ))
    return found


def measure(rounds: int, before: str | None) -> dict[str, list[dict]]:
    with tempfile.TemporaryDirectory(prefix="bench-build-") as folder:
        paths = prepare(Path(folder), before)
        runs = contenders(paths)
        for run in runs.values():   # warm-up: disk caches, compiled templates, a build in dist/
            run_child(*run)
        results: dict[str, list[dict]] = {name: [] for name in runs}
        names = list(runs)
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:   # rotate the order
                results[name].append(run_child(*runs[name]))
    return results


def per_edition(samples: list[dict], key: str) -> float:
    return statistics.median(s[key] / s["editions"] for s in samples)


def report(results: dict[str, list[dict]], rounds: int) -> None:
    editions = results["build"][0]["editions"]
    print(f"CPU per edition, sample issue ({editions} editions), median of {rounds} interleaved rounds, "
          f"fresh process each")
    print(f"  {'':34}{'measured part':>15}{'whole process':>15}")
    for name, samples in results.items():
        if name.startswith("cli "):
            continue
        label = {"build": "newsletter build (this tree)", "premailer": "premailer alone, same HTML",
                 "build (first)": "  the same, no line breaks kept",
                 "juice": "juice alone, same HTML"}.get(name, f"newsletter {name}")
        print(f"  {label:34}{per_edition(samples, 'cpu_ms'):>12.1f} ms{per_edition(samples, 'process_ms'):>12.1f} ms")
    build = per_edition(results["build"], "cpu_ms")
    premailer = per_edition(results["premailer"], "cpu_ms")
    print(f"build ÷ premailer alone: {build / premailer:.2f}x (goal <= 1.5x); the first build on a machine, "
          f"before any line breaks are kept: {per_edition(results['build (first)'], 'cpu_ms') / premailer:.2f}x")
    if "juice" in results:
        print(f"build ÷ juice alone:     {build / per_edition(results['juice'], 'cpu_ms'):.2f}x (goal <= 2.5x)")
    else:
        print("juice: not measured (needs node and `npm ci` in the repository)")
    build_cli, check_cli = (statistics.median(s["process_ms"] for s in results[f"cli {c}"]) for c in ("build", "check"))
    print(f"`newsletter check` ÷ `newsletter build`, whole processes: {check_cli:.0f} ÷ {build_cli:.0f} ms = "
          f"{check_cli / build_cli:.2f} (goal <= 0.5; check reuses the build in dist/)")
    if "build (before)" in results:
        old = per_edition(results["build (before)"], "cpu_ms")
        print(f"before ÷ now:            {old / build:.2f}x faster ({old:.1f} -> {build:.1f} ms per edition)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (the median is shown)")
    parser.add_argument("--before", metavar="REV", help="also measure the build of this git revision")
    args = parser.parse_args()
    started = time.monotonic()
    report(measure(args.rounds, args.before), args.rounds)
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
