"""The review pages: sign-in, roles, purpose before the record, the two-person rule."""

from __future__ import annotations

from disclosure_gateway.service.identity import create_token
from disclosure_gateway.service.views import view_log
from web.staff_world import BATCH, PASSWORD, Site, csrf_of

ITEM = f"/review/{BATCH}/2"
PURPOSE = "checking the held match for request R2"
REASON = "Same person: first name has a one-letter typo, address exact"


def open_item(site: Site, csrf: str) -> str:
    page = site.client.post(ITEM, data={"purpose": PURPOSE, "csrf": csrf})
    assert page.status_code == 200, page.text[:400]
    return page.text


def views(site: Site) -> list[str]:
    with site.world.store() as store:
        return [v.viewer for v in view_log(store)]


def test_anonymous_is_sent_to_sign_in(site: Site) -> None:
    for path in ("/review", ITEM, "/batches", "/audit", "/audit/views", "/audit/report"):
        page = site.client.get(path, follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"] == "/login?next=" + path


def test_sign_in_sets_a_strict_http_only_cookie_and_lands_on_the_queue(site: Site) -> None:
    form = site.client.get("/login")
    token = csrf_of(form.text)
    done = site.client.post(
        "/login",
        data={"username": "rita", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/review"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("dgw_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    queue = site.client.get("/review")
    assert queue.status_code == 200
    assert "R2" in queue.text
    assert "R8-BORDERLINE-REVIEW" in queue.text
    assert queue.headers["content-security-policy"].startswith("default-src 'self'")
    assert queue.headers["cache-control"] == "no-store"


def test_wrong_password_and_missing_form_token_are_refused(site: Site) -> None:
    token = csrf_of(site.client.get("/login").text)
    wrong = site.client.post(
        "/login", data={"username": "rita", "password": "x" * 14, "csrf": token}
    )
    assert wrong.status_code == 401
    assert "wrong" in wrong.text
    no_token = site.client.post("/login", data={"username": "rita", "password": PASSWORD})
    assert no_token.status_code == 403
    assert "dgw_session" not in site.client.cookies


def test_next_never_leaves_the_site(site: Site) -> None:
    token = csrf_of(site.client.get("/login").text)
    done = site.client.post(
        "/login",
        data={"username": "ada", "password": PASSWORD, "csrf": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/audit"


def test_purpose_comes_before_the_record_and_the_view_is_logged(site: Site) -> None:
    csrf = site.login("rita")
    ask = site.client.get(ITEM)
    assert ask.status_code == 200
    assert "Purpose of this view" in ask.text
    assert "García" not in ask.text
    assert "6789" not in ask.text
    thin = site.client.post(ITEM, data={"purpose": "look", "csrf": csrf})
    assert thin.status_code == 400
    assert "García" not in thin.text
    assert views(site) == []
    detail = open_item(site, csrf)
    assert views(site) == ["rita"]
    # side by side: the request as received, the taxpayer as filed
    assert "Josr" in detail
    assert "García-López" in detail
    assert "typo (given=typo" in detail
    assert "123 N Main St" in detail
    assert "FORM_8822" in detail
    assert "123 North Main Street #4, Houston, TX 77002" in detail
    assert "123456789" not in detail  # the TIN shows its last four only
    assert 'data-testid="propose-form"' in detail
    assert 'data-testid="approve-form"' not in detail


def test_a_post_without_the_session_token_changes_nothing(site: Site) -> None:
    site.login("rita")
    page = site.client.post(ITEM, data={"purpose": PURPOSE, "csrf": "forged"})
    assert page.status_code == 403
    assert "CSRF_FAILED" in page.text
    assert views(site) == []
    propose = site.client.post(
        ITEM + "/propose", data={"action": "DISCLOSE", "reason": REASON, "csrf": "forged"}
    )
    assert propose.status_code == 403
    assert "No proposal yet" in open_item(site, site.login("rita"))


def test_two_person_rule_then_approval_by_another_officer(site: Site) -> None:
    csrf = site.login("pat")
    done = site.client.post(
        ITEM + "/propose", data={"action": "DISCLOSE", "reason": REASON, "csrf": csrf}
    )
    assert done.status_code == 200, done.text[:300]
    assert "Proposal recorded" in done.text
    detail = open_item(site, csrf)
    assert "PROPOSED" in detail
    assert REASON in detail
    refused = site.client.post(
        ITEM + "/approve", data={"reason": "I checked it, looks right to me", "csrf": csrf}
    )
    assert refused.status_code == 409
    assert "TWO_PERSON_RULE" in refused.text
    assert "Another disclosure officer must approve it" in refused.text
    csrf = site.login("olga")
    approved = site.client.post(
        ITEM + "/approve", data={"reason": "evidence checked, approve it now", "csrf": csrf}
    )
    assert approved.status_code == 200, approved.text[:300]
    assert "now DISCLOSED" in approved.text
    again = site.client.post(
        ITEM + "/approve", data={"reason": "evidence checked a second time", "csrf": csrf}
    )
    assert again.status_code == 409
    assert "ALREADY_DECIDED" in again.text
    assert "R2" not in site.client.get("/review").text.split("<tbody>")[-1]
    assert "R2" in site.client.get("/review?all=1").text


def test_send_back_reopens_the_item(site: Site) -> None:
    csrf = site.login("rita")
    site.client.post(
        ITEM + "/propose", data={"action": "NO_DISCLOSURE", "reason": REASON, "csrf": csrf}
    )
    csrf = site.login("olga")
    back = site.client.post(
        ITEM + "/send-back", data={"reason": "needs a closer look at the unit", "csrf": csrf}
    )
    assert back.status_code == 200, back.text[:300]
    assert "open again" in back.text
    assert "OPEN" in site.client.get("/review").text


def test_roles_each_page_refuses(site: Site) -> None:
    csrf = site.login("root")  # admin does not imply any other role
    assert site.client.get("/review").status_code == 403
    assert site.client.get("/audit").status_code == 403
    csrf = site.login("rita")
    for path in ("/audit", "/audit/views", "/audit/report"):
        page = site.client.get(path)
        assert page.status_code == 403, path
        assert "ROLE_REQUIRED" in page.text
    approve = site.client.post(
        ITEM + "/approve", data={"reason": "approving my own proposal here", "csrf": csrf}
    )
    assert approve.status_code == 403
    csrf = site.login("olga")
    propose = site.client.post(
        ITEM + "/propose", data={"action": "DISCLOSE", "reason": REASON, "csrf": csrf}
    )
    assert propose.status_code == 403
    csrf = site.login("ada")  # the auditor reads, never acts
    detail = open_item(site, csrf)
    assert "propose-form" not in detail
    assert "approve-form" not in detail


def test_a_requester_token_never_reaches_a_staff_page(site: Site) -> None:
    with site.world.store() as store:
        token = create_token(store, "DHS-ICE", "case system")
    site.client.cookies.clear()
    for path in ("/review", ITEM, "/batches", "/audit"):
        page = site.client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 403, path
        assert "STAFF_ONLY" in page.text


def test_unknown_item_and_escaped_ids(site: Site) -> None:
    csrf = site.login("rita")
    missing = site.client.post(f"/review/{BATCH}/99", data={"purpose": PURPOSE, "csrf": csrf})
    assert missing.status_code == 404
    hostile = site.client.get("/review/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/1")
    assert hostile.status_code == 200
    assert "<img src=x" not in hostile.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile.text


def test_sign_out_ends_the_session(site: Site) -> None:
    csrf = site.login("rita")
    out = site.client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert site.client.get("/review", follow_redirects=False).status_code == 303
