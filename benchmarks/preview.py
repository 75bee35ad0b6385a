"""Live-preview reload speed: after one article is saved, how long until the open edition
is rebuilt (target ≤ 300 ms), against a full `newsletter build` measured in the same run.

Works on a temporary copy of the sample project, and measures what the server does on a
change (re-read, drop the editions the article shows in, rebuild the open one) without
the file watcher's own debounce. Usage: python benchmarks/preview.py [--repeat N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsletter.build.pipeline import build  # noqa: E402
from newsletter.web.preview import Preview  # noqa: E402
from tests.conftest import SAMPLE_ISSUE, copy_project  # noqa: E402

ARTICLE = "hip-hinge.en.md"
OPEN_EDITION = "hearts/en"
TARGET_MS = 300


def reload_times(project: Path, repeat: int) -> tuple[list[float], int]:
    """Milliseconds from 'file saved' to 'open edition rebuilt', and how many editions a
    save makes stale."""
    preview = Preview(project / SAMPLE_ISSUE, environ={})
    for edition in preview.editions:
        preview.edition(edition.id)               # a warm preview, as after the first page view
    article = project / SAMPLE_ISSUE / ARTICLE
    times, stale = [], 0
    for i in range(repeat):
        article.write_text(article.read_text(encoding="utf-8") + f"\nEdit {i}.\n", encoding="utf-8")
        start = time.perf_counter()
        stale = len(preview.refresh([article]))
        assert preview.edition(OPEN_EDITION) is not None, preview.problems
        times.append((time.perf_counter() - start) * 1000)
    return times, stale


def full_build_times(project: Path, out: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        build(project / SAMPLE_ISSUE, out, environ={})
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        reload_ms, stale = reload_times(project, args.repeat)
        full_ms = full_build_times(project, Path(tmp) / "dist", max(3, args.repeat // 3))
    reload_median, full_median = statistics.median(reload_ms), statistics.median(full_ms)
    print(f"reload after editing {ARTICLE}, open edition {OPEN_EDITION} ({stale} of 9 editions stale):")
    print(f"  median {reload_median:.0f} ms, max {max(reload_ms):.0f} ms over {len(reload_ms)} saves "
          f"(target ≤ {TARGET_MS} ms: {'met' if reload_median <= TARGET_MS else 'NOT met'})")
    print(f"full build of all editions (same run): median {full_median:.0f} ms over {len(full_ms)} builds")
    print(f"ratio full build / reload: {full_median / reload_median:.1f}x")


if __name__ == "__main__":
    main()
