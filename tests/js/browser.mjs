// browser.mjs - the tests' one way to drive a real browser: Debian's
// chromium, headless, through puppeteer-core.  A browser test is a script
// (tests/js/*.mjs) that imports this module, is started by an integration
// test with harness.run_browser(SCRIPT, env) and prints one JSON object
// (its findings) as its last line; any thrown error fails the test with
// the browser's console and the script's stack.
//
//   import { launch, PHONE, DESKTOP, axe, shot, ok } from "./browser.mjs";
//   const browser = await launch();
//   const page = await browser.newPage();
//   await page.setViewport(PHONE);
//   await page.goto(process.env.BASE_URL + "/", { waitUntil: "load" });
//   ok(await page.$("h1"), "the page has a heading");
//   await shot(page, "home-phone");           // build/screenshots/home-phone.png
//   const v = await axe(page);                // serious/critical violations
//   ok(v.length === 0, "axe: " + JSON.stringify(v));
//   await browser.close();
//   done({ ... });
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);

export const PHONE = {
	width: 390,
	height: 844,
	deviceScaleFactor: 2,
	isMobile: true,
	hasTouch: true,
};
export const DESKTOP = { width: 1280, height: 900 };

let profiles = [];

export async function launch(opts = {}) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "convened-chromium-"));
	profiles.push(profile);
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		headless: true,
		userDataDir: profile,
		// --no-sandbox: the tests run as root on CI, where chromium's
		// sandbox refuses to start; the pages are the project's own.
		args: [
			"--no-sandbox",
			"--disable-gpu",
			"--disable-dev-shm-usage",
			"--no-first-run",
			"--no-default-browser-check",
			"--disable-background-networking",
			"--disable-extensions",
			"--lang=" + (opts.lang || "en"),
		],
		...opts.launch,
	});
	const close = browser.close.bind(browser);
	browser.close = async () => {
		await close();
		for (const p of profiles) fs.rmSync(p, { recursive: true, force: true });
		profiles = [];
	};
	return browser;
}

// ok(cond, msg): fail the test with msg unless cond.
export function ok(cond, msg) {
	if (!cond) throw new Error("assertion failed: " + msg);
}

// eq(a, b, msg): fail unless a === b, showing both.
export function eq(a, b, msg) {
	if (a !== b)
		throw new Error(
			`assertion failed: ${msg}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`,
		);
}

// shot(page, name): a full-page screenshot under build/screenshots/ (or
// $SCREENSHOT_DIR) for a person to look at; tests assert on the DOM.
export async function shot(page, name) {
	const dir = process.env.SCREENSHOT_DIR || "build/screenshots";
	fs.mkdirSync(dir, { recursive: true });
	await page.screenshot({ path: path.join(dir, name + ".png"), fullPage: true });
}

// axe(page): runs axe-core (WCAG 2.0/2.1 A and AA rules) inside the page and
// returns its serious and critical violations, each {id, impact, help,
// nodes: [selector...]}.
export async function axe(page) {
	const src = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
	await page.evaluate(src);
	const res = await page.evaluate(async () => {
		// eslint-disable-next-line no-undef
		return await axe.run(document, {
			runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
		});
	});
	return res.violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			nodes: v.nodes.map((n) => n.target.join(" ")),
		}));
}

// consoleOf(page): collects the page's console messages and errors, to be
// printed when a test fails.
export function consoleOf(page) {
	const lines = [];
	page.on("console", (m) => lines.push(`console.${m.type()}: ${m.text()}`));
	page.on("pageerror", (e) => lines.push(`pageerror: ${e.message}`));
	return lines;
}

// done(findings): the script's result, as its last line of output.
export function done(findings) {
	process.stdout.write(JSON.stringify(findings ?? {}) + "\n");
}
