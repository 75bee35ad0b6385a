"""Running every registered check and collecting one report: all problems, never just the first."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import a11y, fallback, headers, images, issuefiles, language, links, mail, online, personal, size
from .context import make_context
from .registry import Check, Finding

ALL_CHECKS: tuple[Check, ...] = (size.CHECKS + a11y.CHECKS + links.CHECKS + mail.CHECKS
                                 + language.CHECKS + fallback.CHECKS + images.CHECKS + headers.CHECKS
                                 + personal.CHECKS + issuefiles.CHECKS + online.CHECKS)
_ORDER = {"error": 0, "warning": 1, "info": 2}


def check_ids() -> list[str]:
    return [c.id for c in ALL_CHECKS]


def matches(check_id: str, patterns) -> bool:
    """`a11y.img-alt` matches itself and its area `a11y`."""
    return any(check_id == p or check_id.startswith(p.rstrip(".") + ".") for p in patterns)


@dataclass(frozen=True)
class CheckReport:
    findings: list[Finding]
    sizes: dict[str, int]                 # edition id → HTML bytes
    ignored: tuple[str, ...] = field(default=())

    def count(self, level: str, edition: str | None = None) -> int:
        return sum(1 for f in self.findings if f.level == level and (edition is None or edition in f.editions))

    def failed(self, strict: bool = False) -> bool:
        return bool(self.count("error") or (strict and self.count("warning")))

    def ignoring(self, patterns) -> "CheckReport":
        kept = [f for f in self.findings if not matches(f.check, patterns)]
        return replace(self, findings=kept, ignored=tuple(patterns))

    def summary(self) -> str:
        e, w, i = (self.count(level) for level in ("error", "warning", "info"))
        notes = f", {i} note{'s' * (i != 1)}" if i else ""
        return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}{notes} in {len(self.sizes)} editions"

    def as_dict(self, strict: bool = False) -> dict:
        return {"passed": not self.failed(strict), "strict": strict, "summary": self.summary(),
                "counts": {level: self.count(level) for level in _ORDER}, "ignored": list(self.ignored),
                "editions": [{"id": e, "html_bytes": n, "errors": self.count("error", e),
                              "warnings": self.count("warning", e)} for e, n in self.sizes.items()],
                "findings": [f.as_dict() for f in self.findings]}


def run_checks(config, issue, built, checks: tuple[Check, ...] = ALL_CHECKS, fetch=None) -> CheckReport:
    """Every check over the sources and every built edition; duplicates (the same source
    line seen from several editions) are merged into one finding listing its editions."""
    ctx = make_context(config, issue, built, fetch)
    found: list[Finding] = []
    for c in checks:
        if c.scope == "issue":
            found += c.run(ctx)
        else:
            for doc in ctx.editions:
                found += c.run(ctx, doc)
    return CheckReport(_merge(found), {b.edition.id: b.html_bytes for b in built})


def _merge(found: list[Finding]) -> list[Finding]:
    merged: dict[tuple, Finding] = {}
    for f in found:
        key = (f.check, f.level, f.path, f.line, f.element if f.path else (f.element, f.editions), f.message)
        if key in merged:
            old = merged[key]
            merged[key] = replace(old, editions=old.editions + tuple(e for e in f.editions if e not in old.editions))
        else:
            merged[key] = f
    return sorted(merged.values(), key=lambda f: (_ORDER[f.level], f.check))
