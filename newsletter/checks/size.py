"""Size: Gmail clips big emails, and mail servers break over-long raw lines."""
from __future__ import annotations

from .registry import check, error, warning

CLIP_BYTES = 102_000   # Gmail shows "[Message clipped]" beyond this
WARN_BYTES = 90_000    # leaves room for tracking and per-subscriber values
MAX_LINE_OCTETS = 998  # RFC 5322 §2.1.1


@check("size.gmail-clip", "Gmail cuts emails over about 102 KB of HTML, hiding the rest — "
       "including the unsubscribe link and postal address — behind 'View entire message'.")
def gmail_clip(ctx, doc):
    size = doc.built.html_bytes
    fix = "shorten articles, set `content: excerpt` in issue.yaml, or move an article to the next issue"
    if size > CLIP_BYTES:
        yield error(f"the HTML is {size:,} bytes; Gmail clips emails over {CLIP_BYTES:,} bytes", fix)
    elif size > WARN_BYTES:
        yield warning(f"the HTML is {size:,} bytes, close to Gmail's {CLIP_BYTES:,}-byte limit", fix)


@check("size.eml-line-length", "Mail servers may break raw lines longer than 998 octets "
       "(RFC 5322), which corrupts the message.")
def eml_line_length(ctx, doc):
    for number, line in enumerate(doc.built.eml.split(b"\n"), 1):
        octets = len(line.rstrip(b"\r"))
        if octets > MAX_LINE_OCTETS:
            yield error(f"line {number} of the sample .eml is {octets} octets long (limit {MAX_LINE_OCTETS})",
                        "encode the body as quoted-printable or base64 (see newsletter/mime.py)",
                        element=f"{doc.built.edition.stem}.eml line {number}")
            return


CHECKS = (gmail_clip, eml_line_length)
