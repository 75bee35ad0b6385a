"""One issue's web archive held in memory, exactly as `build` writes it (edition pages,
article pages, and the archive root's index, feeds, author and category pages, here
listing this issue alone), for the live preview to serve without writing `dist/`."""
from __future__ import annotations

import json

from ..project.config import Config
from ..project.sources import Issue
from .archive import SUMMARY_FILE, archive_files, web_files
from .cache import BuildCache
from .catalogs import LoadedCatalog
from .directory import directory_files
from .plan import Edition


def site_files(config: Config, issue: Issue, editions: list[Edition],
               loaded: dict[str, LoadedCatalog], cache: BuildCache | None = None) -> dict[str, bytes]:
    """Path from the archive root → bytes; pictures are not included (they are the
    project's own files). `cache`: the preview session's, when it has one."""
    cache = cache or BuildCache(config.root, loaded)
    files = {f"{issue.name}/{name}": data
             for name, data in web_files(config, issue, editions, loaded, cache).items()}
    summaries = [json.loads(files[f"{issue.name}/{SUMMARY_FILE}"])]
    ui = {lang: cache.ui(lang) for lang in config.site.languages}
    pages = archive_files(cache, config, summaries) | directory_files(cache.env, config, summaries, ui)
    return files | {name: text.encode("utf-8") for name, text in pages.items()}
