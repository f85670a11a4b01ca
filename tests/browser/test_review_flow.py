"""A held request, end to end in Chromium: propose, the two-person rule, approve, account."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from web.staff_world import BATCH, PASSWORD

pytestmark = pytest.mark.browser

PURPOSE = "Reviewing the held match for request R2"
PROPOSAL = "First name has a one-letter typo; surname and address agree exactly"


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.get_by_test_id("signed-in-as")).to_have_text(username)


def sign_out(page: Page) -> None:
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(r"/login$"))


def open_item(page: Page, base: str) -> None:
    page.goto(base + "/review")
    page.locator("tr", has_text="R2").get_by_role("link", name="Open").click()
    page.fill("input[name=purpose]", PURPOSE)
    page.click("button:has-text('Log the view and open')")
    expect(page.get_by_test_id("compare")).to_be_visible()


def test_review_two_person_rule_and_accounting(
    live_server: str, chromium: Browser, tmp_path: Path
) -> None:
    page = chromium.new_page(viewport={"width": 1360, "height": 900})
    problems: list[str] = []  # script errors and CSP violations; the refusal page's 409 is expected
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "409" not in m.text else None,
    )

    sign_in(page, live_server, "pat")  # reviewer and disclosure officer
    open_item(page, live_server)
    expect(page.get_by_test_id("compare")).to_contain_text("García-López")
    expect(page.get_by_test_id("compare")).to_contain_text("Josr")
    page.screenshot(path=str(tmp_path / "1-review-detail.png"), full_page=True)
    page.check("input[value=DISCLOSE]")
    page.fill("form[data-testid=propose-form] textarea[name=reason]", PROPOSAL)
    page.click("button:has-text('Record proposal')")
    expect(page.get_by_test_id("notice")).to_contain_text("Proposal recorded")

    open_item(page, live_server)  # the same person, now as disclosure officer
    page.fill(
        "form[data-testid=approve-form] textarea[name=reason]", "Approving the proposal as officer"
    )
    page.click("button:has-text('Approve the proposal')")
    expect(page.get_by_test_id("error")).to_contain_text("TWO_PERSON_RULE")
    expect(page.get_by_test_id("error")).to_contain_text("Another disclosure officer must approve")
    page.screenshot(path=str(tmp_path / "2-two-person-rule.png"), full_page=True)
    sign_out(page)

    sign_in(page, live_server, "olga")
    open_item(page, live_server)
    expect(page.get_by_test_id("proposal")).to_contain_text(PROPOSAL)
    page.fill(
        "form[data-testid=approve-form] textarea[name=reason]", "Evidence checked; same person"
    )
    page.click("button:has-text('Approve the proposal')")
    expect(page.get_by_test_id("notice")).to_contain_text("now DISCLOSED")
    sign_out(page)

    sign_in(page, live_server, "ada")
    expect(page).to_have_url(re.compile(r"/audit$"))
    rows = page.get_by_test_id("accounting").locator("tbody tr")
    expect(rows).to_have_count(2)  # R1 by the batch run, R2 on review
    expect(rows.filter(has_text="R2")).to_contain_text(BATCH)
    page.click("button:has-text('Verify the chain')")
    expect(page.get_by_test_id("verify-result")).to_contain_text("The chain verifies: 2 entries")
    page.screenshot(path=str(tmp_path / "3-accounting.png"), full_page=True)
    page.goto(live_server + f"/batches/{BATCH}")
    expect(page.locator("svg.chart").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "4-batch.png"), full_page=True)
    assert problems == []  # no CSP violation, no script error
