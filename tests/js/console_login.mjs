// console_login.mjs - the console's login under the throttle: two wrong
// passwords are answered login_failed, then even the right one is refused
// (429) and the console says when to try again, in words, from the
// answer's Retry-After.  axe on each state; screenshots console-login-*.
//
// env: BASE_URL, NAME, PASSWORD
import { launch, DESKTOP, axe, shot, ok, consoleOf, done } from "./browser.mjs";

const base = process.env.BASE_URL;
const findings = { failed: [], violations: [] };

async function attempt(page, password) {
	await page.$eval("main input[name=password]", (e) => {
		e.value = "";
	});
	await page.$eval(".form-error", (e) => {
		e.textContent = "";
	});
	await page.type("main input[name=password]", password);
	await page.click("main button[type=submit]");
	await page.waitForFunction(() => document.querySelector(".form-error").textContent.length > 0, { timeout: 30000 });
	return page.$eval(".form-error", (e) => e.textContent);
}

const browser = await launch({ lang: "en" });
try {
	const page = await browser.newPage();
	const log = consoleOf(page);
	await page.setViewport(DESKTOP);
	await page.goto(`${base}/admin/#/login`, { waitUntil: "load" });
	await page.waitForSelector("main input[name=name]");
	await page.type("main input[name=name]", process.env.NAME);
	for (let i = 0; i < 2; i++) findings.failed.push(await attempt(page, `wrong-${i}-password`));
	findings.throttled = await attempt(page, process.env.PASSWORD);
	ok(page.url().endsWith("#/login"), "still on the login");
	const v = await axe(page);
	findings.violations.push(...v);
	await shot(page, "console-login-throttled-desktop");
	ok(log.every((l) => !l.startsWith("pageerror")), "no page errors:\n" + log.join("\n"));
	// the strict CSP refused nothing the console does
	ok(log.every((l) => !/Content Security Policy|Refused to/.test(l)), "CSP refusals:\n" + log.join("\n"));
	done(findings);
} finally {
	await browser.close();
}
