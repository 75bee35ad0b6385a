"""The translators' workflow: UI catalogs (extract, init, update, compile), a quality
report on them, and tracking which article translations are missing or out of date.

Other commands (e.g. `newsletter check`) use `catalog_problems` and `catalog_stats`.
"""
from __future__ import annotations

from .report import CatalogStats, catalog_problems, catalog_stats

__all__ = ["CatalogStats", "catalog_problems", "catalog_stats"]
