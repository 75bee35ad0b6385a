"""Build speed: per-edition render and inline times and the whole build of the sample
issue, against premailer with its default 128-entry cache, measured in the same run.

premailer reads PREMAILER_CACHE_MAXSIZE once, at import, so each configuration runs in
its own child process. Usage: python benchmarks/build.py [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ISSUE = REPO / "issues" / "2026-11"


def measure(repeat: int) -> dict:
    """Runs in a child process: time each step of every edition, then whole builds."""
    sys.path.insert(0, str(REPO))
    from newsletter.build.inline import inline_css
    from newsletter.build.pipeline import (
        build,
        load_catalogs,
        load_config,
        plan_editions,
        read_issue,
    )
    from newsletter.build.render import make_environment, render_edition, ui_functions
    from newsletter.build.views import edition_view

    config = load_config(REPO)
    issue = read_issue(config, ISSUE)
    loaded = load_catalogs(config)
    render_ms, inline_ms = {}, {}
    for edition in plan_editions(config, issue):
        env = make_environment(config.root)
        ui = {lang: ui_functions(loaded[lang].translations) for lang in edition.languages}
        view = edition_view(config, issue, edition, ui)
        rendered = _timed(repeat, lambda: render_edition(env, view, edition.sponsor.colors.__dict__), render_ms,
                          edition.id)
        _timed(repeat, lambda: inline_css(rendered.html), inline_ms, edition.id)
    with tempfile.TemporaryDirectory() as out:
        whole = [_clock(lambda: build(ISSUE, Path(out), environ={})) for _ in range(repeat)]
    return {"render_ms": render_ms, "inline_ms": inline_ms, "build_ms": statistics.median(whole)}


def _timed(repeat, action, into, key):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    into[key] = statistics.median(times)
    return result


def _clock(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def run_child(cache_size: str, repeat: int) -> dict:
    env = {**os.environ, "PREMAILER_CACHE_MAXSIZE": cache_size, "NEWSLETTER_BENCH_CHILD": str(repeat)}
    out = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median is shown)")
    args = parser.parse_args()
    ours, default = run_child("4096", args.repeat), run_child("128", args.repeat)
    print(f"{'edition':<22}{'render ms':>10}{'inline ms':>11}{'inline ms (cache 128)':>23}{'ratio':>7}")
    for edition, render in ours["render_ms"].items():
        a, b = ours["inline_ms"][edition], default["inline_ms"][edition]
        print(f"{edition:<22}{render:>10.1f}{a:>11.1f}{b:>23.1f}{b / a:>6.1f}x")
    a, b = ours["build_ms"], default["build_ms"]
    print(f"\nwhole build of {len(ours['render_ms'])} editions: {a:.0f} ms "
          f"(premailer default cache: {b:.0f} ms, {b / a:.1f}x slower)")


if __name__ == "__main__":
    if os.environ.get("NEWSLETTER_BENCH_CHILD"):
        print(json.dumps(measure(int(os.environ["NEWSLETTER_BENCH_CHILD"]))))
    else:
        main()
