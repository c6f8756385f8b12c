"""Helpers for the tests of the live page as a listener uses it (tests/live/test_page_*.py).

The servers, the shared catalogue and the page set-up are tests/live/test_browser.py's; a test
module binds the fixtures it needs to their names (``catalogue = live_page.catalogue``), where
pytest finds them.
"""

from playwright.sync_api import expect

from tests.live.test_browser import (  # noqa: F401  (fixtures, used by name)
    alice,
    catalogue,
    data_subset,
    face_video,
    log_in,
    new_page,
    overlay_has_a_box,
    patient_expect,
    served,
)

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


def bar_values(page) -> list[int]:
    return [
        int(v)
        for v in page.locator("#emotion-bars .bar").evaluate_all(
            "bars => bars.map(b => b.getAttribute('aria-valuenow'))"
        )
    ]


def expect_nothing_read(page):
    """What is no longer true is gone: no face box, no bars, no "Face now"."""
    expect(page.locator("#current-emotion")).to_have_text("—")
    expect(page.locator("#current-emotion")).to_have_attribute("data-emotion", "")
    assert bar_values(page) == [0] * 7
    assert not overlay_has_a_box(page)


def small_touch_targets(page) -> list[str]:
    """Every visible button, field, choice and menu toggle on the page smaller than 44×44 px."""
    return page.evaluate("""() => {
        const targets = document.querySelectorAll(
            '#live button, #live select, #live input[type=text], #live .strategy-choices label, .nav-toggle-label');
        const small = [];
        for (const node of targets) {
            const box = node.getBoundingClientRect();
            if (!box.width || !box.height || getComputedStyle(node).visibility === 'hidden') continue;
            if (box.width < 44 || box.height < 44) {
                small.push(`${node.tagName.toLowerCase()}#${node.id}.${node.className} "${node.textContent.trim().slice(0, 30)}"`
                           + ` ${Math.round(box.width)}×${Math.round(box.height)}`);
            }
        }
        return small;
    }""")


def within_first_screen(page, selector: str) -> bool:
    """The element is wholly on the screen as the page opens, without scrolling."""
    return page.evaluate(
        """(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return window.scrollY === 0 && box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0;
    }""",
        selector,
    )
