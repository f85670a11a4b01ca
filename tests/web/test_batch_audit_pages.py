"""Batch progress and charts; the auditor's accounting, TIN search, chain check, report, views."""

from __future__ import annotations

import re

from disclosure_gateway.service.views import view_log
from web.staff_world import BATCH, Site

ITEM = f"/review/{BATCH}/2"
TIN = "123456789"  # José García-López: row 1 of the batch was disclosed about him


def test_batches_list_and_a_finished_batch_with_its_charts(site: Site) -> None:
    site.login("rita")
    listing = site.client.get("/batches")
    assert listing.status_code == 200
    assert BATCH in listing.text
    assert "3 / 3" in listing.text
    page = site.client.get(f"/batches/{BATCH}")
    assert page.status_code == 200
    assert 'data-batch-id="ICE-2026-000777"' in page.text
    assert 'data-state="DONE"' in page.text
    assert page.text.count("<svg") == 2  # outcomes and reasons; no model scores here
    outcome_svg = page.text.split('aria-label="Decisions by outcome"')[1].split("</svg>")[0]
    # REJECTED (R3), NO_DISCLOSURE (none), DISCLOSED (R1), REVIEW (R2)
    assert re.findall(r'class="chart-value"[^>]*>(\d+)<', outcome_svg) == ["1", "0", "1", "1"]
    assert "ADDRESS_NOT_STREET_LEVEL" in page.text
    assert "No model scores in this batch." in page.text
    assert "García" not in page.text
    missing = site.client.get("/batches/NO-SUCH")
    assert missing.status_code == 404


def test_the_accounting_lists_masked_tins_and_filters(site: Site) -> None:
    site.login("ada")
    page = site.client.get("/audit")
    assert page.status_code == 200
    assert 'data-testid="accounting"' in page.text
    assert "R1" in page.text
    assert "•••-••-6789" in page.text
    assert TIN not in page.text
    assert "/api/v1/accounting/export.csv" in page.text
    other = site.client.get("/audit", params={"agency": "DHS-CBP"})
    assert "No entry matches." in other.text
    future = site.client.get("/audit", params={"since": "2099-01-01"})
    assert "No entry matches." in future.text


def test_a_tin_search_needs_a_purpose_and_is_logged_first(site: Site) -> None:
    csrf = site.login("ada")
    thin = site.client.post("/audit/search", data={"tin": TIN, "purpose": "x", "csrf": csrf})
    assert thin.status_code == 400
    with site.world.store() as store:
        assert view_log(store) == []
    found = site.client.post(
        "/audit/search",
        data={"tin": "123-45-6789", "purpose": "quarterly accounting sample", "csrf": csrf},
    )
    assert found.status_code == 200
    assert TIN in found.text
    with site.world.store() as store:
        logged = view_log(store)
    assert [(v.viewer, v.tin) for v in logged] == [("ada", TIN)]
    forged = site.client.post(
        "/audit/search", data={"tin": TIN, "purpose": "quarterly accounting", "csrf": "x"}
    )
    assert forged.status_code == 403


def test_verify_the_chain(site: Site) -> None:
    csrf = site.login("ada")
    page = site.client.post("/audit/verify", data={"csrf": csrf})
    assert page.status_code == 200
    assert "The chain verifies: 1 entries" in page.text


def test_the_printable_report(site: Site) -> None:
    site.login("ada")
    page = site.client.get("/audit/report", params={"since": "2026-01-01", "until": "2026-12-31"})
    assert page.status_code == 200
    assert 'class="report"' in page.text
    counts = page.text.split('data-testid="period-counts"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="num">(\d+)</td>', counts)
    # DHS-ICE then all agencies: 3 requests, 1 disclosure, 1 taxpayer, 0 retractions
    assert cells == ["3", "1", "1", "0", "3", "1", "1", "0"]
    assert "Calendar year 2026" in page.text
    assert "chain verifies" in page.text


def test_the_view_log_page(site: Site) -> None:
    csrf = site.login("rita")
    site.client.post(ITEM, data={"purpose": "checking the held match", "csrf": csrf})
    site.login("ada")
    page = site.client.get("/audit/views")
    assert page.status_code == 200
    assert "checking the held match" in page.text
    assert "rita" in page.text
    assert "•••-••-6789" in page.text
    none = site.client.get("/audit/views", params={"viewer": "nobody"})
    assert "No view recorded." in none.text
