"""Every edition of the sample in real Chromium: fits a phone, centred on a desktop,
pictures undistorted, and no accessibility violations (axe-core) in light or dark mode."""
from __future__ import annotations

from newsletter.web.browser import Viewport, open_page

GEOMETRY = """
const box = document.querySelector('table.container').getBoundingClientRect();
return {scrollWidth: document.documentElement.scrollWidth, inner: window.innerWidth,
        left: box.left, right: box.right, width: box.width,
        images: Array.from(document.images).map(i => ({src: i.src, w: i.width, h: i.height,
                                                       nw: i.naturalWidth, nh: i.naturalHeight}))};
"""
# Every axe rule runs, except two that judge a whole web site's page structure: an email is
# shown inside the mail app's own page, whose landmarks hold it. The web archive's pages
# are checked with these rules too (test_web_archive.py).
EMAIL_RULES = {"region": {"enabled": False}, "landmark-one-main": {"enabled": False}}
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations'], rules: arguments[0]})
   .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))))
   .catch(e => done(['axe failed: ' + e]));
"""


def _editions(server) -> list[str]:
    return [e.id for e in server.preview.editions]


def _geometry(driver, server, edition_id: str, viewport: Viewport) -> dict:
    open_page(driver, f"{server.url}email/{edition_id}.html", viewport)
    return driver.execute_script(GEOMETRY)


def test_sample_has_nine_editions(sample_server) -> None:
    assert len(_editions(sample_server)) == 9


def test_no_horizontal_scrolling_on_a_phone(driver, sample_server) -> None:
    wide = {}
    for edition_id in _editions(sample_server):
        g = _geometry(driver, sample_server, edition_id, Viewport(375))
        assert g["inner"] == 375
        if g["scrollWidth"] > 375:
            wide[edition_id] = g["scrollWidth"]
    assert not wide, f"wider than 375 px: {wide}"


def test_desktop_layout_is_centred_and_pictures_keep_their_shape(driver, sample_server) -> None:
    for edition_id in _editions(sample_server):
        for width in (600, 1000):
            g = _geometry(driver, sample_server, edition_id, Viewport(width))
            assert g["width"] <= 600, (edition_id, width, g["width"])
            assert abs(g["left"] - (g["inner"] - g["right"])) <= 1, (edition_id, width, g["left"], g["right"])
            assert len(g["images"]) >= 2
            for img in g["images"]:
                assert img["nw"] > 0, f"{edition_id}: picture did not load: {img['src']}"
                assert abs(img["w"] / img["h"] - img["nw"] / img["nh"]) < 0.02, (edition_id, img)


def test_axe_finds_no_violations_light_and_dark(driver, sample_server, axe_source) -> None:
    found = {}
    for edition_id in _editions(sample_server):
        for viewport in (Viewport(600), Viewport(600, dark=True)):
            open_page(driver, f"{sample_server.url}email/{edition_id}.html", viewport)
            driver.execute_script(axe_source)
            violations = driver.execute_async_script(RUN_AXE, EMAIL_RULES)
            if violations:
                found[f"{edition_id} {viewport.name}"] = violations
    assert not found, found
