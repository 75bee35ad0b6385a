"""Subscribers' choices are kept: every status change has a when and a why, an import never
undoes an unsubscribe, bounce or removal, and the volunteer commands say what they did."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newsletter.mailing.store import SubscriberStore, UnknownSubscriber
from newsletter.mailing.subscribers import database_path, import_csv
from newsletter.project.config import load_config
from tests.conftest import project  # noqa: F401
from tests.test_subscribers import _cli

HEADER = "email,name,language,sponsor\n"


def _import(root: Path, text: str, resubscribe: bool = False, name: str = "list.csv"):
    (root / name).write_text(text, encoding="utf-8")
    config = load_config(root)
    with SubscriberStore(database_path(config)) as store:
        return import_csv(config, store, root / name, resubscribe=resubscribe)


def _store(root: Path) -> SubscriberStore:
    return SubscriberStore(database_path(load_config(root)))


def test_every_status_change_is_recorded_with_when_and_why(project):
    _import(project, HEADER + "ana@example.com,Ana,en,hearts\n")
    with _store(project) as store:
        assert store.unsubscribe("ana@example.com", "one-click") is True
        assert store.unsubscribe("ana@example.com", "one-click") is False   # replayed: no new line
        assert store.change_status("ana@example.com", "active", "admin", "asked by phone") is True
        assert store.mark_bounced("ANA@example.com", "bounce", "5.1.1 user unknown") is True
        history = store.history("ana@example.com")
    assert [(c.old_status, c.new_status, c.reason) for c in history] == [
        (None, "active", "import"), ("active", "unsubscribed", "one-click"),
        ("unsubscribed", "active", "admin"), ("active", "bounced", "bounce")]
    assert history[0].detail == "list.csv" and history[3].detail == "5.1.1 user unknown"
    assert all(c.at.endswith("+00:00") for c in history)


def test_unknown_reason_or_status_is_a_programming_error(project):
    _import(project, HEADER + "ana@example.com,Ana,en,hearts\n")
    with _store(project) as store, pytest.raises(ValueError):
        store.change_status("ana@example.com", "active", "because")
    with _store(project) as store, pytest.raises(ValueError):
        store.change_status("ana@example.com", "gone", "admin")


def test_a_bounce_never_overwrites_an_unsubscribe(project):
    _import(project, HEADER + "ana@example.com,Ana,en,hearts\n")
    with _store(project) as store:
        store.unsubscribe("ana@example.com", "mailto")
        assert store.mark_bounced("ana@example.com") is False
        assert store.find("ana@example.com").status == "unsubscribed"


@pytest.mark.parametrize("how", ["unsubscribed", "bounced"])
def test_an_import_never_undoes_an_unsubscribe_or_a_bounce(project, how):
    _import(project, HEADER + "ana@example.com,Ana,en,hearts\nbo@example.com,Bo,en,hearts\n")
    with _store(project) as store:
        if how == "unsubscribed":
            store.unsubscribe("ana@example.com", "link")
        else:
            store.mark_bounced("ana@example.com", "bounce", "550 5.1.1")
    # the old spreadsheet says active, in a status column, with a new name
    result = _import(project, "email,name,language,sponsor,status\nana@example.com,Ana Li,zh-Hans,hearts,active\n")
    with _store(project) as store:
        ana = store.find("ana@example.com")
    assert ana.status == how and ana.name == "Ana Li" and ana.language == "zh-Hans"
    assert f"stays {how}" in str(result.warnings[0]) and "--resubscribe" in str(result.warnings[0])
    assert result.reactivated == 0


def test_resubscribe_reactivates_deliberately_and_counts(project):
    _import(project, HEADER + "".join(f"p{i}@example.com,P,en,hearts\n" for i in range(4)))
    with _store(project) as store:
        store.unsubscribe("p0@example.com", "link")
        store.mark_bounced("p1@example.com")
        store.remove("p2@example.com")
    result = _import(project, HEADER + "".join(f"p{i}@example.com,P,en,hearts\n" for i in range(4)),
                     resubscribe=True)
    assert result.reactivated == 3 and result.warnings == []
    with _store(project) as store:
        assert {s.email: s.status for s in store.all()} == {f"p{i}@example.com": "active" for i in range(4)}
        assert store.history("p0@example.com")[-1].reason == "import"
        assert not store.was_removed("p2@example.com")


def test_remove_deletes_personal_data_and_an_old_import_does_not_re_add(project):
    _import(project, HEADER + "ana@example.com,Ana Secret,en,hearts\n")
    with _store(project) as store:
        store.unsubscribe("ana@example.com", "link")
        assert store.remove("ANA@example.com") is True
        assert store.find("ana@example.com") is None and store.history("ana@example.com") == []
        assert store.was_removed("ana@example.com")
    path = database_path(load_config(project))
    db = sqlite3.connect(path)
    dump = "\n".join(db.iterdump())
    db.close()
    assert "ana@example.com" not in dump.lower() and "Ana Secret" not in dump
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))  # also -wal, freed pages
    assert b"Ana Secret" not in raw and b"ana@example.com" not in raw
    result = _import(project, HEADER + "ana@example.com,Ana,en,hearts\n")
    assert result.added == 0 and "was removed from the list earlier" in str(result.warnings[0])
    with _store(project) as store:
        assert store.find("ana@example.com") is None


def test_update_records_what_changed_and_rejects_unknown_people(project):
    _import(project, HEADER + "ana@example.com,Ana,en,hearts\n")
    with _store(project) as store:
        store.update("ana@example.com", language="zh-Hans", name="")
        assert store.find("ana@example.com").name == ""
        details = [c.detail for c in store.history("ana@example.com")]
        assert "changed language en → zh-Hans" in details and "changed name" in details
        with pytest.raises(UnknownSubscriber):
            store.update("nobody@example.com", name="X")


def test_cli_add_show_set_unsubscribe_remove(project):
    added = _cli(project, "subscribers", "add", "lin@example.com", "--name", "林薇", "--language", "zh-Hans",
                 "--sponsor", "hearts")
    assert added.returncode == 0, added.stderr
    again = _cli(project, "subscribers", "add", "LIN@example.com")
    assert again.returncode == 2 and "already on the list" in again.stderr and "subscribers set" in again.stderr
    bad = _cli(project, "subscribers", "add", "x@example.com", "--language", "fr", "--sponsor", "nobody")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "subscribers add: language 'fr' is not offered; write one of" in bad.stderr
    assert "sponsor 'nobody' is not a group" in bad.stderr
    changed = _cli(project, "subscribers", "set", "lin@example.com", "--language", "both")
    assert changed.returncode == 0 and "both" in changed.stdout
    assert _cli(project, "subscribers", "unsubscribe", "lin@example.com").returncode == 0
    assert "already unsubscribed" in _cli(project, "subscribers", "unsubscribe", "lin@example.com").stdout
    shown = _cli(project, "subscribers", "show", "lin@example.com")
    assert shown.returncode == 0, shown.stderr
    assert "status: unsubscribed" in shown.stdout and "林薇" in shown.stdout
    assert "active → unsubscribed" in shown.stdout and "admin" in shown.stdout
    assert "changed language zh-Hans → both" in shown.stdout
    refused = _cli(project, "subscribers", "remove", "lin@example.com")
    assert refused.returncode != 0 and "--yes" in refused.stderr
    removed = _cli(project, "subscribers", "remove", "lin@example.com", "--yes")
    assert removed.returncode == 0 and "removed" in removed.stdout
    gone = _cli(project, "subscribers", "show", "lin@example.com")
    assert gone.returncode == 2 and "removed earlier" in gone.stderr
    unknown = _cli(project, "subscribers", "set", "who@example.com", "--name", "X")
    assert unknown.returncode == 2 and "not on the subscriber list" in unknown.stderr


def test_cli_import_resubscribe_says_how_many(project):
    (project / "a.csv").write_text(HEADER + "ana@example.com,Ana,en,hearts\n", encoding="utf-8")
    assert _cli(project, "subscribers", "import", "a.csv").returncode == 0
    assert _cli(project, "subscribers", "unsubscribe", "ana@example.com").returncode == 0
    kept = _cli(project, "subscribers", "import", "a.csv")
    assert kept.returncode == 0 and "stays unsubscribed" in kept.stderr
    back = _cli(project, "subscribers", "import", "a.csv", "--resubscribe")
    assert back.returncode == 0 and "1 reactivated" in back.stdout
