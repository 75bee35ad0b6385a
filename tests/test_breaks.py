"""Line breaks kept between builds (build/breaks.py): the same output with or without
them, and a cache that is missing, broken or unwritable never fails a build."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsletter.build.breaks import KeptBreaks, cache_dir
from newsletter.build.pipeline import build
from newsletter.text import width
from tests.conftest import SAMPLE_ISSUE


@pytest.fixture
def fresh_memo(monkeypatch):
    """A process that has wrapped nothing yet."""
    monkeypatch.setattr(width, "_WINDOWS", {})


def _texts(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.txt"))}


def test_a_build_keeps_its_breaks_and_the_next_one_uses_them_with_the_same_output(project, tmp_path, fresh_memo):
    environ = {"NEWSLETTER_CACHE_DIR": str(tmp_path / "cache")}
    first = build(project / SAMPLE_ISSUE, tmp_path / "one", environ=environ)
    kept = list((tmp_path / "cache").glob("line-breaks-uniseg-*.json"))
    assert len(kept) == 1
    windows = json.loads(kept[0].read_text(encoding="utf-8"))
    assert windows and all(set(bits) <= {"0", "1"} for bits in windows.values())
    width._WINDOWS.clear()
    assert KeptBreaks(tmp_path / "cache").known.keys() == windows.keys()
    assert width.known_windows().keys() == windows.keys()   # nothing left for uniseg to answer
    second = build(project / SAMPLE_ISSUE, tmp_path / "two", environ=environ)
    assert _texts(first.out_dir) == _texts(second.out_dir)


def test_kept_answers_are_exactly_uniseg_s(tmp_path, fresh_memo):
    from uniseg.linebreak import line_break_breakables
    width.wrap_paragraphs("Hello, world. 你好，世界。 “Quotes” (and) e-mail 12,345 — done…" * 3, 20)
    KeptBreaks(tmp_path).save()
    width._WINDOWS.clear()
    known = KeptBreaks(tmp_path).known
    assert known and all(bits == list(line_break_breakables(w)) for w, bits in known.items())


@pytest.mark.parametrize("content", ["{not json", '["a list"]', '{"SS": "0x"}', '{"SS": "010"}', ""])
def test_a_broken_file_is_not_used(tmp_path, fresh_memo, content):
    cache = KeptBreaks(tmp_path)
    cache.path.write_text(content, encoding="utf-8")
    KeptBreaks(tmp_path)
    assert width.known_windows() == {}   # wrong shapes are never taken as answers


def test_any_text_survives_the_file(tmp_path, fresh_memo):
    width.wrap("lone \udcff surrogate and 🇨🇳 flags", 10)
    KeptBreaks(tmp_path).save()
    learned = width.known_windows()
    width._WINDOWS.clear()
    KeptBreaks(tmp_path)
    assert width.known_windows() == learned


def test_an_unwritable_cache_folder_does_not_fail_the_build(project, tmp_path, fresh_memo):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    result = build(project / SAMPLE_ISSUE, tmp_path / "out", environ={"NEWSLETTER_CACHE_DIR": str(blocker / "x")})
    assert result.editions


def test_where_the_cache_lives():
    assert cache_dir({"NEWSLETTER_CACHE_DIR": "/c"}) == Path("/c")
    assert cache_dir({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path("/x/newsletter")
    assert cache_dir({"HOME": "/h"}) == Path("/h/.cache/newsletter")
    assert cache_dir({}) is None   # an empty environment keeps nothing


def test_saving_again_without_new_windows_writes_nothing(tmp_path, fresh_memo):
    width.wrap("Some words, and more words; 一些中文。", 12)
    kept = KeptBreaks(tmp_path)
    kept.save()
    written = kept.path.stat().st_mtime_ns
    kept.path.write_text(kept.path.read_text(encoding="utf-8"), encoding="utf-8")   # a new mtime, same text
    touched = kept.path.stat().st_mtime_ns
    kept.save()
    assert kept.path.stat().st_mtime_ns == touched and written <= touched
