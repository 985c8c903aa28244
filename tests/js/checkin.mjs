// checkin.mjs - the door's check-in page on a phone: opened with the
// event's check-in secret in the fragment, search by organisation (Malmö
// found as "malmo"), tap to mark; then convened is stopped (the test stops
// it when this script writes $SYNC/stop), two people are marked and wait
// on the phone (the count is shown), convened is started again ($SYNC/start)
// and the queue empties.  axe-core on the page; screenshots.
import fs from "node:fs";
import path from "node:path";
import { launch, PHONE, axe, shot, ok, eq, consoleOf, done } from "./browser.mjs";

const base = process.env.BASE_URL;
const sync = process.env.SYNC;

async function signal(name, ack) {
	fs.writeFileSync(path.join(sync, name), "");
	const end = Date.now() + 60000;
	while (!fs.existsSync(path.join(sync, ack))) {
		ok(Date.now() < end, "no " + ack + " from the test");
		await new Promise((r) => setTimeout(r, 50));
	}
}

async function search(page, text) {
	await page.$eval("#q", (q) => {
		q.value = "";
		q.dispatchEvent(new Event("input"));
	});
	if (text) await page.type("#q", text);
}

const waiting = (page) => page.$eval("#waiting", (w) => Number(w.textContent));

const browser = await launch();
try {
	const page = await browser.newPage();
	const log = consoleOf(page);
	await page.setViewport(PHONE);
	await page.goto(`${base}/checkin/${process.env.EVENT}#s=${process.env.SECRET}`, { waitUntil: "load" });
	await page.waitForSelector("#list li", { timeout: 15000 });
	eq(await page.evaluate(() => location.hash), "", "the secret leaves the address bar");
	const title = await page.$eval("#title", (h) => h.textContent);
	ok(title.includes("Seminario di Rimini"), "title: " + title);
	eq(await page.$$eval("#list li", (l) => l.length), 4, "everyone confirmed is listed");
	const width = await page.evaluate(() => document.documentElement.scrollWidth);
	const scanHidden = await page.$eval("#scan", (b) => b.hidden);

	// search and tap, online
	await search(page, "rimini");
	eq(await page.$$eval("#list li", (l) => l.length), 1, "one match for rimini");
	await page.click("#list li button");
	await page.waitForFunction(() => document.getElementById("waiting").textContent === "0" &&
		document.querySelector("#list li.here"), { timeout: 15000 });
	await shot(page, "checkin-phone-marked");
	const violations = await axe(page);

	// convened goes away: two marks wait on the phone
	await signal("stop", "stopped");
	await search(page, "malmo");
	eq(await page.$$eval("#list li", (l) => l.length), 1, "Malmö found as malmo");
	await page.click("#list li button");
	await search(page, "Virtanen");
	await page.click("#list li button");
	await page.waitForFunction(() => document.getElementById("net").className === "offline", { timeout: 15000 }).catch(async (e) => {
		const st = await page.evaluate(() => [document.getElementById("net").outerHTML, localStorage.length, document.getElementById("msg").textContent]);
		throw new Error("not offline: " + JSON.stringify(st) + "\n" + log.join("\n"));
	});
	const waitingWhileAway = await waiting(page);
	await shot(page, "checkin-phone-offline");

	// it returns on the same port: the queue is sent, each mark once
	await signal("start", "started");
	await page.waitForFunction(() => document.getElementById("waiting").textContent === "0", { timeout: 30000 });
	const waitingAfter = await waiting(page);
	await search(page, "");
	await page.waitForFunction(() => document.querySelectorAll("#list li.here").length === 3, { timeout: 15000 });
	ok(log.every((l) => !l.startsWith("pageerror")), "no page errors: " + log.join("\n"));
	ok(log.every((l) => !/Content Security Policy/.test(l)), "no CSP violations: " + log.join("\n"));
	done({ width, violations, waitingWhileAway, waitingAfter, scanHidden });
} finally {
	await browser.close();
}
