"""The build, top to bottom: config → sources → editions → render → inline → write.

Everything is read and checked before anything is written; the output folder is
replaced in one move, so a failed build leaves the previous one untouched.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from ..project.config import Config, load_config
from ..project.root import DIST_DIR, find_project_root
from ..project.sources import Issue, read_issue
from . import pictures
from .archive import web_files, write_archive
from .breaks import KeptBreaks, cache_dir
from .built import BuildResult, BuiltEdition
from .cache import BuildCache, collects_less
from .catalogs import LoadedCatalog, load_catalogs
from .greeting import greetings
from .output import build_lock, write_tree
from .personal import neutralise
from .plan import Edition, plan_editions
from .render import Rendered, render_edition
from .reuse import current_sources
from .sample import edition_mail, sample_eml
from .verify import verify_edition
from .views import edition_view


@collects_less
def build(issue_dir: Path, out_root: Path | None = None, environ: dict | None = None) -> BuildResult:
    """Build every edition of one issue into `<out_root>/<issue>/`."""
    root = find_project_root(issue_dir)
    sources = current_sources(root, issue_dir.resolve())  # before reading: an edit meanwhile is not lost
    config = load_config(root)
    issue = read_issue(config, issue_dir.resolve())
    pictures.check(config, issue)
    loaded = load_catalogs(config)
    editions = plan_editions(config, issue)
    environ = os.environ if environ is None else environ
    when = build_time(issue, environ)
    breaks = KeptBreaks(cache_dir(environ))   # line-break answers from earlier builds
    cache = BuildCache(config.root, loaded)
    built = [build_edition(config, issue, edition, loaded, when, cache) for edition in editions]
    warnings = [w for c in loaded.values() for w in c.warnings]
    out_dir = (out_root or root / DIST_DIR) / issue.name
    manifest = make_manifest(issue, built, when) | sources
    files = output_files(config, issue, built, manifest) | web_files(config, issue, editions, loaded, cache)
    with build_lock(out_dir.parent):
        write_tree(out_dir, files)
        write_archive(out_dir.parent, config, loaded, cache)
    breaks.save()
    return BuildResult(config, issue, out_dir, built, warnings, manifest)


def build_time(issue: Issue, environ) -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the issue's date at 00:00 UTC."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.combine(issue.meta.date, dt.time(), dt.timezone.utc)


def build_edition(config: Config, issue: Issue, edition: Edition,
                  loaded: dict[str, LoadedCatalog], when: dt.datetime,
                  cache: BuildCache | None = None) -> BuiltEdition:
    """`cache` holds what the editions of one build (or a preview session) share."""
    cache = cache or BuildCache(config.root, loaded)
    ui = cache.ui_for(edition.languages)
    view = neutralise(edition_view(config, issue, edition, ui, cache.bodies))
    rendered: Rendered = render_edition(cache.env, view, edition.sponsor.colors.__dict__)
    html = cache.inliner.inline(rendered.html)
    verify_edition(issue, view, html)
    named, neutral = greetings(cache.env, ui[edition.primary])
    mail = edition_mail(config, edition, view.subject, html, rendered.text, (named, neutral))
    return BuiltEdition(edition, view.subject, view.preheader, html, rendered.text,
                        sample_eml(config, edition, mail, when), greetings=(named, neutral))


def output_files(config: Config, issue: Issue, built: list[BuiltEdition], manifest: dict) -> dict[str, bytes]:
    """Every file of the output folder: editions, the images they link, the manifest."""
    files: dict[str, bytes] = {}
    for b in built:
        files[f"{b.edition.email_stem}.html"] = b.html.encode("utf-8")
        files[f"{b.edition.stem}.txt"] = b.text.encode("utf-8")
        files[f"{b.edition.stem}.eml"] = b.eml
        files[b.edition.sponsor.logo] = (config.root / b.edition.sponsor.logo).read_bytes()
    files |= pictures.published_files(issue)   # heroes and body pictures, resized when wide
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return files


def make_manifest(issue: Issue, built: list[BuiltEdition], when: dt.datetime) -> dict:
    return {
        "issue": issue.name,
        "number": issue.meta.number,
        "date": issue.meta.date.isoformat(),
        "built_at": when.isoformat(),
        "editions": [_manifest_entry(b) for b in built],
    }


def _manifest_entry(b: BuiltEdition) -> dict:
    e = b.edition
    return {
        "id": e.id, "sponsor": e.sponsor.id, "language": e.language, "languages": list(e.languages),
        "subject": b.subject, "preheader": b.preheader,
        "html": f"{e.email_stem}.html", "web": f"{e.stem}.html", "text": f"{e.stem}.txt", "eml": f"{e.stem}.eml",
        "view_url": e.view_url, "html_bytes": b.html_bytes,
        "sha256": hashlib.sha256(b.html.encode("utf-8")).hexdigest(),
        "warnings": [str(w) for w in b.warnings],
        "greeting": {"named": b.greetings[0], "neutral": b.greetings[1]},
    }
