"""`subscribers import` streams: large files are read in passes, never held, with the same
all-or-nothing result, duplicate merging and encoding errors as before."""
from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.errors import InputError
from newsletter.mailing.subscribers import (
    MAX_REPORTED,
    SubscriberStore,
    database_path,
    import_csv,
)
from newsletter.project.config import load_config
from tests.conftest import project  # noqa: F401

HEADER = "email,name,language,sponsor\n"


def _import(root: Path, text: str | bytes, progress=None):
    path = root / "list.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    config = load_config(root)
    with SubscriberStore(database_path(config)) as store:
        return import_csv(config, store, path, progress=progress)


def _count(root: Path) -> int:
    with SubscriberStore(database_path(load_config(root))) as store:
        return sum(1 for _ in store.all())


def test_many_rows_with_progress_and_merged_duplicates(project):
    rows = [f"p{i}@example.com,读者 {i},en,hearts" for i in range(3000)] + ["p7@example.com,Later,zh-Hans,hearts"]
    seen: list[tuple[str, int, int]] = []
    result = _import(project, HEADER + "\n".join(rows) + "\n", lambda *a: seen.append(a))
    assert (result.added, result.updated, _count(project)) == (3000, 0, 3000)
    (merged,) = result.warnings
    assert merged.line == 3002 and "also on line 9" in str(merged)
    assert {s for s, _, _ in seen} == {"checking", "saving"}
    size = (project / "list.csv").stat().st_size
    assert seen[-1] == ("saving", 3000, 3000) and ("checking", size, size) in seen
    with SubscriberStore(database_path(load_config(project))) as store:
        assert store.find("p7@example.com").name == "Later"   # the later row wins


def test_problems_are_capped_and_nothing_is_written(project):
    rows = [f"bad{i},x,en,hearts" for i in range(MAX_REPORTED + 50)] + ["ok@example.com,,en,hearts"]
    with pytest.raises(InputError) as caught:
        _import(project, HEADER + "\n".join(rows) + "\n")
    problems = caught.value.problems
    assert len(problems) == MAX_REPORTED + 1 and "50 more rows have problems" in str(problems[-1])
    assert _count(project) == 0


def test_gbk_past_the_first_chunk_names_its_line(project):
    rows = [f"p{i}@example.com,Reader,en,hearts" for i in range(40_000)]   # > 1 MiB before the bad line
    data = (HEADER + "\n".join(rows) + "\n").encode() + "林@example.com,林薇,zh-Hans,hearts\n".encode("gbk")
    with pytest.raises(InputError) as caught:
        _import(project, data)
    (problem,) = caught.value.problems
    assert problem.line == 40_002 and "GBK" in str(problem)
    assert _count(project) == 0
