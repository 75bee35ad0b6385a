"""newsletter: community articles in, branded bilingual email editions out.

Library API: `build()` runs the whole pipeline and returns a `BuildResult`; problems come
as `InputError` (with every `Problem` found) or `BuildError`. The CLI is in `cli/`.

`build` and `BuildResult` are loaded on first use, so that importing the mailing side
(`newsletter.mailing`) does not pay for the build's libraries (Jinja2, premailer, lxml).
"""
from .errors import BuildError, InputError, NewsletterError, Problem

__all__ = ["build", "BuildResult", "BuildError", "InputError", "NewsletterError", "Problem"]


def __getattr__(name: str):
    if name == "build":
        from .build.pipeline import build
        return build
    if name == "BuildResult":
        from .build.built import BuildResult
        return BuildResult
    raise AttributeError(f"module 'newsletter' has no attribute {name!r}")
