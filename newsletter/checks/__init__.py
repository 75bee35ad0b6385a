"""`newsletter check`: everything a subscriber, a mail provider or a screen reader would
trip over, found offline before sending.

Each area has its own module of small check functions registered under stable ids
(`size.gmail-clip`, `a11y.img-alt`, …); `runner.run_checks` runs them over the built
editions and the sources, and `issue.check_issue` builds into a temporary folder first.
This package stays import-light so `build.py` can run the checks without a cycle.
"""
