#!/usr/bin/env python3
"""The status page in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright, with
JavaScript switched off, against a running `craft-sync demo --keep-running`.

    status_page.py BASE_URL ADMIN_TOKEN SCREENSHOT_DIR ITEM ISSUE

Signs in, finds an item, opens its timeline, replays the dead letter the demo left and sees it applied, resolves
the demo's conflict on the Conflicts page, links ITEM to ISSUE with the form and unlinks it again, checks that a
Craft title containing <script> renders as text, and that the admin token is in no page, URL or cookie.
Writes a screenshot of each page into SCREENSHOT_DIR. Exits non-zero, saying what failed, on the first failure.
"""
import os
import re
import sys
import time

from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def main(base, token, shots, item, issue):
    os.makedirs(shots, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        # JavaScript off: the page must work without it.
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        seen_urls = []
        page.on("request", lambda request: seen_urls.append(request.url))
        pages_html = []

        def snap(name):
            pages_html.append(page.content())
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)

        # Without a session every page leads to the sign-in form; a wrong token is refused.
        page.goto(base + "/ui/")
        expect(page).to_have_url(re.compile(r"/ui/login$"))
        page.fill("#token", "not-the-token")
        page.click("text=Sign in >> nth=-1")
        expect(page.get_by_role("alert")).to_contain_text("not the admin token")
        page.fill("#token", token)
        snap("01-sign-in")
        page.click("button:has-text('Sign in')")
        expect(page).to_have_url(re.compile(r"/ui/$"))
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(page.locator("section[aria-label='Workspace ws-demo']")).to_contain_text("linked")
        snap("02-overview")

        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        session = cookies["craft_sync_session"]
        assert session["httpOnly"], "the session cookie must be HttpOnly"
        assert session["sameSite"] == "Strict", f"the session cookie must be SameSite=Strict, is {session['sameSite']}"
        assert token not in session["value"], "the session cookie must not carry the admin token"

        # Find the item whose title is an attack: it shows as text, and no script element exists on the page.
        page.click("header >> text=Items")
        page.fill("input[name=search]", "Escape")
        page.click("button:has-text('Filter')")
        rows = page.locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Escape <script>alert(1)</script> in titles")
        assert page.locator("script").count() == 0, "a <script> element reached the items page"
        snap("03-items-search")

        page.click("tbody tr >> a >> nth=0")
        expect(page.get_by_role("heading", level=1)).to_have_text("Escape <script>alert(1)</script> in titles")
        assert page.locator("script").count() == 0, "a <script> element reached the item page"
        timeline = page.locator("ol.timeline li")
        expect(timeline.last).to_contain_text("claimed")
        expect(page.locator("ol.timeline")).to_contain_text("created")
        expect(page.locator("ol.timeline")).to_contain_text("link written")
        # A Bug of its workspace: the demo's routing rule sent it to Jira, and its page says by which rule.
        expect(page.locator("dl.facts").first).to_contain_text("by the rule type = Bug")
        expect(page.locator("dl.facts").first).to_contain_text("ACME-")
        snap("04-item-timeline")

        # An item no rule matched went to its workspace's own tool.
        page.click("header >> text=Items")
        page.fill("input[name=search]", "Onboarding checklist")
        page.click("button:has-text('Filter')")
        page.click("tbody tr >> a >> nth=0")
        expect(page.locator("dl.facts").first).to_contain_text("to the workspace's dev tool")

        # The dead letter the demo left: replay it from the page and see it applied.
        page.click("header >> text=Dead letters")
        dead_rows = page.locator("table >> nth=0").locator("tbody tr")
        expect(dead_rows).to_have_count(1)
        expect(dead_rows.first).to_contain_text("403")
        item_page = dead_rows.first.locator("a[href^='/ui/items/']").first.get_attribute("href")
        snap("05-dead-letters")
        dead_rows.first.locator("button:has-text('Replay')").click()
        expect(page).to_have_url(re.compile(r"/ui/problems$"))
        deadline = time.monotonic() + 20
        while "Dead letters" in page.content() and page.locator("h2:has-text('Dead letters') .badge.ok").count() == 0:
            assert time.monotonic() < deadline, "the replayed dead letter did not clear within 20 s"
            time.sleep(0.2)
            page.reload()
        snap("06-dead-letters-cleared")

        # The replayed delivery reached Craft.io: the item's timeline says so.
        page.goto(base + item_page)
        story = page.locator("ol.timeline")
        expect(story).to_contain_text("replayed")
        expect(story).to_contain_text("applied")
        expect(story).to_contain_text("dev_status set to 'Done'")
        snap("07-replayed-item")

        page.click("header >> text=Runs")
        expect(page.locator("tbody tr").first).to_be_visible()
        snap("08-runs")

        # The conflict the demo left: both values side by side; taking Craft.io's resolves it.
        page.click("header >> text=Conflicts")
        conflicts = page.locator("tbody tr")
        expect(conflicts).to_have_count(1)
        expect(conflicts.first).to_contain_text("Export reports (CSV, XLSX)")
        expect(conflicts.first).to_contain_text("CSV export (won't do for now)")
        snap("09-conflicts")
        conflicts.first.locator("button:has-text('Take Craft.io')").click()
        expect(page).to_have_url(re.compile(r"/ui/conflicts$"))
        expect(page.locator("p.notice.ok")).to_contain_text("No open conflicts")

        # Link an item to an issue that both exist apart, from the Items page; then unlink it from its own page.
        page.click("header >> text=Items")
        page.click("summary:has-text('Link an existing issue')")
        form = page.locator("form[aria-label='Link an existing issue']")
        form.locator("input[name=item]").fill(item)
        form.locator("input[name=issue]").fill(issue)
        snap("10-link-form")
        form.locator("button:has-text('Link')").click()
        expect(page).to_have_url(re.compile(r"/ui/mappings$"))
        page.goto(base + "/ui/items/" + item)
        expect(page.locator("ol.timeline")).to_contain_text("linked by the status page to " + issue)
        expect(page.locator("dl.facts").first).to_contain_text(issue)
        snap("11-linked-item")
        page.check("form[aria-label='Unlink'] input[name=remove_marker]")
        page.click("form[aria-label='Unlink'] button:has-text('Unlink')")
        expect(page.locator("dl.facts").first).to_contain_text("unlinked")
        expect(page.locator("button:has-text('Relink')")).to_be_visible()
        expect(page.locator("ol.timeline")).to_contain_text("unlinked from " + issue + " by the status page")

        # A state change without the CSRF token is refused.
        response = page.request.post(base + "/ui/events/replay-dead", form={"return": "/ui/"}, max_redirects=0)
        assert response.status == 403, f"a POST without the CSRF token answered {response.status}"

        page.click("button:has-text('Sign out')")
        expect(page).to_have_url(re.compile(r"/ui/login$"))
        page.goto(base + "/ui/mappings")
        expect(page).to_have_url(re.compile(r"/ui/login$"))

        for html in pages_html:
            assert token not in html, "the admin token appeared in a page"
        for url in seen_urls:
            assert token not in url, "the admin token appeared in a URL"
        browser.close()
    print(f"status page: every check passed; screenshots in {shots}")


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
