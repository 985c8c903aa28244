// smoke.mjs - the browser rig itself: Debian's chromium opens the
// registration form at a phone viewport, fills it in and submits it;
// axe-core runs on the form.  Prints what it saw.
import { launch, PHONE, axe, shot, ok, consoleOf, done } from "./browser.mjs";

const base = process.env.BASE_URL;
const browser = await launch({ lang: "pl" });
try {
	const page = await browser.newPage();
	const log = consoleOf(page);
	await page.setViewport(PHONE);
	await page.goto(`${base}/events/${process.env.EVENT}/register?lang=pl`, { waitUntil: "load" });
	const lang = await page.$eval("html", (h) => h.lang);
	const width = await page.evaluate(() => document.documentElement.scrollWidth);
	await shot(page, "smoke-form-phone");
	const violations = await axe(page);
	await page.type("#name", "Zażółć Gęślą");
	await page.type("#email", "jazn@example.pl");
	await page.type("#organisation", "Urząd Miasta Łodzi");
	await page.select("#country", "PL"); // a list of names since issue 15
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("button[type=submit]")]);
	const after = await page.$eval("body", (b) => b.innerText);
	ok(log.every((l) => !l.startsWith("pageerror")), "no page errors: " + log.join("\n"));
	done({ lang, width, violations, after });
} finally {
	await browser.close();
}
