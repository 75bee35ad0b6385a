"""The issue folder: an article file that issue.yaml does not list reaches no reader, and
nothing else would say so."""
from __future__ import annotations

from ..project.listing import did_you_mean, slug_of
from ..project.sources import ISSUE_FILE
from .registry import check, warning


@check("issue.unlisted-article", "An article file that issue.yaml does not list is in no "
       "edition; a volunteer who forgot to list it would never know.", scope="issue")
def unlisted_article(ctx):
    shown = {v.path for a in ctx.issue.articles for v in a.versions.values()}
    listed = [a.slug for a in ctx.issue.articles]
    for path in sorted(ctx.issue.folder.glob("*.md")):
        if path in shown:
            continue
        slug = slug_of(path)
        near = did_you_mean(slug, listed)
        fix = (f"did you mean {near!r} in issue.yaml? Fix the slug there or rename the file"
               if near and near != slug else
               f"add `  - {slug}` under `articles:` in {ISSUE_FILE}, or move the file out of the issue folder")
        yield warning(f"{path.name} is not listed in {ISSUE_FILE}, so no edition shows it", fix,
                      path=ctx.rel(path), line=1)


CHECKS = (unlisted_article,)
