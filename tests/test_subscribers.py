"""The subscriber list: CSV import as volunteers really produce it, export, list, the CLI."""
from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest

from newsletter.errors import InputError
from newsletter.mailing.subscribers import (
    SubscriberStore,
    database_path,
    edition_language,
    export_csv,
    import_csv,
)
from newsletter.project.config import load_config
from newsletter.text.mime import EditionMail, PreparedEdition, Recipient
from tests.conftest import NEWSLETTER, REPO, project  # noqa: F401

HEADER = "email,name,language,sponsor\n"


def _import(root: Path, text: str | bytes, name: str = "list.csv"):
    path = root / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    config = load_config(root)
    with SubscriberStore(database_path(config)) as store:
        return import_csv(config, store, path)


def _all(root: Path) -> list:
    with SubscriberStore(database_path(load_config(root))) as store:
        return list(store.all())


def test_utf8_with_and_without_bom(project):
    _import(project, HEADER + "lin@example.com,林薇,zh-Hans,hearts\n")
    _import(project, "\ufeff" + HEADER + "ana@example.com,Ana,both,mhwx\n", "bom.csv")
    people = {s.email: s for s in _all(project)}
    assert people["lin@example.com"].name == "林薇"
    assert people["ana@example.com"].language == "both" and people["ana@example.com"].sponsor == "mhwx"


def test_gbk_file_gets_a_re_save_hint(project):
    with pytest.raises(InputError) as caught:
        _import(project, (HEADER + "lin@example.com,林薇,zh-Hans,hearts\n").encode("gbk"))
    (problem,) = caught.value.problems
    assert "GBK" in str(problem) and "UTF-8" in problem.fix and problem.line == 2
    assert _all(project) == []


def test_every_bad_row_is_reported_and_nothing_is_imported(project):
    text = (HEADER + "good@example.com,Good,en,hearts\n"
            "not-an-address,X,en,hearts\n"
            "fr@example.com,Fr,fr,hearts\n"
            "who@example.com,Who,en,nobody\n"
            "lin＠example.com,林,zh-Hans,hearts\n"
            ",Nobody,en,hearts\n")
    with pytest.raises(InputError) as caught:
        _import(project, text)
    lines = [str(p) for p in caught.value.problems]
    assert [p.line for p in caught.value.problems] == [3, 4, 5, 6, 7]
    assert all(line.startswith(f"{project / 'list.csv'}:") and "; " in line for line in lines)
    assert "language 'fr' is not offered" in lines[1] and "both" in lines[1]
    assert _all(project) == []


def test_duplicates_are_merged_with_a_warning(project):
    result = _import(project, HEADER + "ana@example.com,Ana,en,hearts\n"
                     "x@example.com,X,en,hearts\nANA@example.com,Ana Li,both,hearts\n")
    assert result.added == 2 and len(result.warnings) == 1
    assert result.warnings[0].line == 4 and "line 2" in str(result.warnings[0])
    assert {s.name for s in _all(project)} == {"Ana Li", "X"}


def test_line_breaks_and_nul_in_a_field_are_refused(project):
    text = HEADER + '"evil@example.com","Eve\r\nBcc: victim@example.com",en,hearts\n' \
        + 'ok@example.com,"Zoe\x00",en,hearts\n' + '"a@example.com\r\nBcc: b@example.com",A,en,hearts\n'
    with pytest.raises(InputError) as caught:
        _import(project, text)
    assert [p.line for p in caught.value.problems] == [2, 4, 5]
    assert all("line break or NUL" in p.message for p in caught.value.problems)
    assert _all(project) == []


def test_header_injection_cannot_pass_mime_either():
    """Belt and braces: even a row that bypassed the import cannot add a header or recipient."""
    prepared = PreparedEdition(EditionMail(
        subject="Hi", from_name="HEARTS", from_address="news@hearts.example.org", reply_to=None,
        language="en", list_id="HEARTS <hearts.example.org>", html="<p>%%name%%</p>", text="%%name%%",
        message_id_domain="example.org", unsubscribe_mailto="unsubscribe@example.org"))
    when = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)
    for name, address in (("Eve\r\nBcc: x@example.com", "a@example.com"),
                          ("Eve", "a@example.com\r\nBcc: x@example.com"), ("Eve", "a@example.com>, <b@example.com")):
        with pytest.raises(ValueError):
            prepared.message(Recipient(address, name, "https://x.org/u", "https://x.org/v"),
                             date=when, message_id="<a@example.org>")


def test_both_maps_to_the_configured_bilingual_edition(project):
    config = load_config(project)
    bilingual = next(tag for tag in config.site.editions if "+" in tag)
    assert edition_language(config, "both") == bilingual
    assert edition_language(config, config.site.languages[0]) == config.site.languages[0]
    assert edition_language(config, "fr") is None


def test_unsubscribed_people_stay_unsubscribed_after_a_re_import(project):
    _import(project, HEADER + "ana@example.com,Ana,en,hearts\n")
    config = load_config(project)
    with SubscriberStore(database_path(config)) as store:
        assert store.unsubscribe("ana@example.com", "admin") is True
        assert store.unsubscribe("ANA@example.com", "admin") is False
    result = _import(project, HEADER + "ana@example.com,Ana,en,hearts\n")
    assert [s.status for s in _all(project)] == ["unsubscribed"]
    assert "stays unsubscribed" in str(result.warnings[0])


def test_export_round_trips(project):
    _import(project, HEADER + "lin@example.com,\"林, 薇\",zh-Hans,hearts\nana@example.com,Ana,both,mhwx\n")
    out = io.StringIO()
    with SubscriberStore(database_path(load_config(project))) as store:
        assert export_csv(store, out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0] == {"email": "lin@example.com", "name": "林, 薇", "language": "zh-Hans",
                       "sponsor": "hearts", "status": "active"}
    (project / "again.csv").write_text(out.getvalue(), encoding="utf-8")
    assert _import(project, out.getvalue(), "again.csv").updated == 2


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NEWSLETTER, *args], cwd=root, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"})


def test_cli_import_list_export(project):
    (project / "people.csv").write_text(HEADER + "lin@example.com,林薇,zh-Hans,hearts\n", encoding="utf-8")
    imported = _cli(project, "subscribers", "import", "people.csv")
    assert imported.returncode == 0 and "1 added" in imported.stdout
    listed = _cli(project, "subscribers", "list")
    assert "lin@example.com" in listed.stdout and "林薇" in listed.stdout
    exported = _cli(project, "subscribers", "export", "--out", "out.csv")
    assert exported.returncode == 0
    assert (project / "out.csv").read_bytes().startswith(b"\xef\xbb\xbfemail,name")


def test_cli_bad_rows_exit_2_without_traceback(project):
    (project / "bad.csv").write_text(HEADER + "nope,X,en,hearts\n", encoding="utf-8")
    result = _cli(project, "subscribers", "import", "bad.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("error: ") and "bad.csv:2: " in result.stderr
