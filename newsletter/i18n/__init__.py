"""The translators' workflow: UI catalogs (extract, init, update, compile), a quality
report on them, and tracking which article translations are missing or out of date.

Other commands (e.g. `newsletter check`) use `catalog_problems` and `catalog_stats`.
They are loaded on first use (PEP 562) because `newsletter.catalogs` itself uses
`i18n.placeholders`, and the report imports `newsletter.catalogs`.
"""
from __future__ import annotations

__all__ = ["CatalogStats", "catalog_problems", "catalog_stats"]


def __getattr__(name: str):
    if name in __all__:
        from . import report
        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
