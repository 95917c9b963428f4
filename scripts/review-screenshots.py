#!/usr/bin/env python3
"""Signs in to the review page in headless Chromium, as a reviewer would, and saves screenshots of
the district's month, one base's month and one record. Exits non-zero when a page does not render.

    python3 scripts/review-screenshots.py --url http://127.0.0.1:8080 --token-file reviewer.token --out shots/

Drives Chromium over the DevTools protocol (pip package websocket-client); Debian's `chromium` package.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == mine:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            # Anything else is an event: none is needed, pages are awaited by their address and readyState.

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def settle(self, done, timeout=30):
        """Waits until the document has loaded and `done(location.href)` holds (a load event can be a
        late one of the page before, so the address is checked too)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            state = self.evaluate("document.readyState + ' ' + location.href") or ""
            ready, _, href = state.partition(" ")
            if ready == "complete" and done(href):
                return
            time.sleep(0.05)
        raise RuntimeError(f"the page did not load within {timeout} s (now: {state})")

    def go(self, url):
        self.call("Page.navigate", url=url)
        self.settle(lambda href: href == url)

    def shoot(self, path, width=1366):
        height = int(self.evaluate("document.documentElement.scrollHeight") or 900)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=min(height, 6000), deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        self.call("Emulation.clearDeviceMetricsOverride")

    def print_pdf(self, path):
        """The page as the office prints it: Chromium's print-to-PDF, with the page's own @page size."""
        data = self.call("Page.printToPDF", preferCSSPageSize=True, printBackground=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def expect(condition, what):
    if not condition:
        print(f"review-screenshots: FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token-file", required=True, help="a file holding a reviewer device's token")
    parser.add_argument("--month", default="2024-03")
    parser.add_argument("--org", default="MH-SB-001")
    parser.add_argument("--out", required=True, help="folder for the PNG files")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    token = open(args.token_file).read().strip()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    expect(browser, "no chromium on PATH (apt-get install chromium)")

    profile = tempfile.mkdtemp(prefix="sunsync-chromium-")
    chromium = subprocess.Popen(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1366,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            expect(time.time() < deadline and chromium.poll() is None, "chromium did not start")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        page.call("Page.enable")

        page.go(f"{args.url}/review/login")
        expect("审核登录" in (page.evaluate("document.body.innerText") or ""), "the sign-in page did not render")
        page.shoot(os.path.join(args.out, "login.png"))
        page.evaluate(f"document.getElementById('token').value = {json.dumps(token)}; "
                      "document.querySelector('form[action=\"/review/login\"]').submit()")
        page.settle(lambda href: not href.endswith("/review/login"))
        expect(page.evaluate("location.pathname") == "/review", "signing in did not lead to /review")

        page.go(f"{args.url}/review?month={args.month}")
        text = page.evaluate("document.body.innerText") or ""
        expect("各基地" in text and args.org in text, f"the district page did not render: {text[:300]}")
        expect(page.evaluate("document.querySelectorAll('svg rect').length") > 12, "the district page has no chart")
        page.shoot(os.path.join(args.out, "district.png"))
        page.print_pdf(os.path.join(args.out, "district-print.pdf"))

        page.go(f"{args.url}/review/payments?month={args.month}")
        text = page.evaluate("document.body.innerText") or ""
        expect("补贴发放表" in text and "合计" in text, f"the payment list did not render: {text[:300]}")
        page.shoot(os.path.join(args.out, "payments.png"))

        page.go(f"{args.url}/review/reveals?month={args.month}")
        text = page.evaluate("document.body.innerText") or ""
        expect("查看完整证号记录" in text and "报送区残联核对名册" in text, f"the reveals page did not render: {text[:300]}")
        page.shoot(os.path.join(args.out, "reveals.png"))

        page.go(f"{args.url}/review/orgs/{args.org}?month={args.month}&show=all")
        text = page.evaluate("document.body.innerText") or ""
        expect("每日记录" in text, f"the org page did not render: {text[:300]}")
        page.shoot(os.path.join(args.out, "org.png"))
        page.print_pdf(os.path.join(args.out, "org-print.pdf"))

        flagged = page.evaluate("[...document.querySelectorAll('a[href*=\"/review/records/\"]')]"
                                ".find(a => a.closest('tr').querySelector('.tag.flag'))?.href")
        record = flagged or page.evaluate("document.querySelector('a[href^=\"/review/records/\"]')?.href")
        expect(record, "the org page links to no record")
        page.go(record)
        text = page.evaluate("document.body.innerText") or ""
        expect("修改记录" in text, f"the record page did not render: {text[:300]}")
        page.shoot(os.path.join(args.out, "record.png"))
        print(f"review-screenshots: login, district, payments, reveals, org and record pages saved in {args.out}, and the district's and org's pages printed (*-print.pdf)")
    finally:
        chromium.terminate()
        try:
            chromium.wait(10)
        except subprocess.TimeoutExpired:
            chromium.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
