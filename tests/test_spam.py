"""SpamAssassin (issue 16, part 12): every edition of the sample, the zh-Hant fallback
editions included, scores at most 1.0 with Debian's `spamassassin -L` (local tests only:
no network, no Bayes learning, a throw-away home folder)."""
from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsletter.build.pipeline import build

from .conftest import SAMPLE_ISSUE
from .test_fallback import add_zh_hant

MAX_SCORE = 1.0
SPAMASSASSIN = shutil.which("spamassassin") or "/usr/bin/spamassassin"


def score(eml: bytes, home: Path) -> tuple[float, str]:
    run = subprocess.run([SPAMASSASSIN, "-L", "-t", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"],
                         input=eml, capture_output=True, timeout=180, env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
    head = run.stdout.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    status = re.search(r"^X-Spam-Status: .*?score=(-?[\d.]+).*?tests=(.*?)(?:autolearn|version|$)", head,
                       re.M | re.S)
    assert status, run.stderr.decode(errors="replace")[-2000:]
    return float(status.group(1)), " ".join(status.group(2).split())


def test_every_edition_scores_at_most_one(project: Path, tmp_path: Path) -> None:
    assert Path(SPAMASSASSIN).exists(), "install Debian's spamassassin (scripts/test does)"
    add_zh_hant(project)
    result = build(project / SAMPLE_ISSUE, environ={})
    home = tmp_path / "home"
    home.mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:
        scores = dict(zip([b.edition.id for b in result.editions],
                          pool.map(lambda b: score(b.eml, home), result.editions)))
    assert len(scores) == 12
    too_high = {edition: s for edition, s in scores.items() if s[0] > MAX_SCORE}
    assert too_high == {}, too_high
