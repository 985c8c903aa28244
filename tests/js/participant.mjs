// participant.mjs - a participant's whole path in Debian's chromium, for
// one language at a phone and a desktop viewport: the project page, the
// event page (subscribe links checked by href, the feed fetched), the form
// with a wrong email first (the error next to the field, tied to it, in
// the page's language), the mail from the spool's maildir, the token page,
// confirm, the personal calendar links, and the cancel page's second step
// (answered "keep").  axe-core runs on every page; screenshots are saved.
//
// env: BASE_URL, SLUG, EVENT, LANG_CODE, MAILDIR, EXPECT_EMAIL_ERROR (the
// sentence the page must show next to the email field), RUN (a tag for
// unique addresses).
import fs from "node:fs";
import path from "node:path";
import { launch, PHONE, DESKTOP, axe, shot, ok, eq, consoleOf, done } from "./browser.mjs";

const base = process.env.BASE_URL;
const lang = process.env.LANG_CODE;
const slug = process.env.SLUG;
const event = process.env.EVENT;
const findings = { pages: [], violations: [] };

async function check(page, name) {
	eq(await page.$eval("html", (h) => h.lang), lang, `${name}: the page's language`);
	const v = await axe(page);
	findings.violations.push(...v.map((x) => ({ page: name, ...x })));
	ok(v.length === 0, `${name}: axe: ${JSON.stringify(v)}`);
	await shot(page, `participant-${lang}-${name}`);
	findings.pages.push(name);
}

async function go(page, url) {
	const r = await page.goto(url, { waitUntil: "load" });
	eq(r.status(), 200, `GET ${url}`);
}

async function submit(page, selector) {
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

// The link of the newest mail to ADDRESS in the maildir, waiting for the
// spool to write it (the outbox sends within a second of the commit).
async function mailedLink(address) {
	for (let i = 0; i < 300; i++) {
		for (const sub of ["new", "cur"]) {
			const dir = path.join(process.env.MAILDIR, sub);
			if (!fs.existsSync(dir)) continue;
			for (const f of fs.readdirSync(dir)) {
				const raw = fs.readFileSync(path.join(dir, f), "utf8");
				const text = raw.replace(/=\r?\n/g, "");
				if (!text.includes(address)) continue;
				const m = text.match(/https?:\/\/[^\s"<>]+\/r\/[0-9a-f]{64}/);
				if (m) return m[0];
			}
		}
		await new Promise((res) => setTimeout(res, 100));
	}
	throw new Error(`no mail with a link for ${address} in ${process.env.MAILDIR}`);
}

async function walk(browser, viewport, vname) {
	const page = await browser.newPage();
	const log = consoleOf(page);
	await page.setViewport(viewport);
	await page.setExtraHTTPHeaders({ "Accept-Language": `${lang};q=0.9, en;q=0.5` });

	// the project page, in the reader's language from Accept-Language
	await go(page, `${base}/p/${slug}`);
	await check(page, `project-${vname}`);
	if (viewport === PHONE)
		ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390,
			"no sideways scrolling on a phone");
	await submit(page, `a[href="/events/${event}"]`);

	// the event page: subscribe buttons by href, the feed answers
	await check(page, `event-${vname}`);
	const h = await page.$$eval("a[id]", (as) =>
		Object.fromEntries(as.map((a) => [a.id, a.getAttribute("href")])));
	const feed = `${base}/calendars/projects/${slug}.ics`;
	const webcal = feed.replace(/^https?:/, "webcal:");
	eq(h["sub-webcal"], webcal, "webcal link");
	eq(h["sub-google"], `https://calendar.google.com/calendar/r?cid=${webcal}`, "Google link");
	ok(h["sub-outlook"].startsWith("https://outlook.live.com/calendar/0/addfromweb?url=" +
		encodeURIComponent(feed).replace(/%3A/g, ":").replace(/%2F/g, "/")) ||
		decodeURIComponent(h["sub-outlook"]).startsWith(
			"https://outlook.live.com/calendar/0/addfromweb?url=" + feed), "Outlook.com link");
	eq(h["sub-https"], feed, "the https URL to copy");
	eq(h["add-event"], `/events/${event}.ics`, "add to my calendar");
	const f = await fetch(feed);
	eq(f.status, 200, "the project's feed answers");
	ok((await f.text()).includes("BEGIN:VCALENDAR"), "the feed is a calendar");
	const one = await fetch(`${base}/events/${event}.ics`);
	eq(one.status, 200, "the single-event calendar answers");
	await submit(page, "#register");

	// the form: a wrong email first
	await check(page, `form-${vname}`);
	const email = `${lang}-${vname}-${process.env.RUN}@example.org`;
	await page.type("#name", lang === "pl" ? "Zażółć Gęślą" : "Åsa Öberg");
	await page.type("#email", "jan@");
	await page.type("#organisation", lang === "pl" ? "Urząd Miasta Łodzi" : "Malmö stad");
	await page.select("#country", lang === "pl" ? "PL" : "SE");
	await submit(page, "form button[type=submit]");
	await check(page, `form-error-${vname}`);
	const err = await page.evaluate(() => {
		const input = document.getElementById("email");
		const msg = document.getElementById(input.getAttribute("aria-describedby") || "-");
		return {
			invalid: input.getAttribute("aria-invalid"),
			text: msg && msg.textContent,
			// next to the field: in the same field block as its label
			beside: msg && msg.parentElement === input.parentElement &&
				msg.parentElement.querySelector("label[for=email]") !== null,
			others: [...document.querySelectorAll("[aria-invalid=true]")].map((e) => e.id),
			kept: document.getElementById("name").value,
		};
	});
	eq(err.invalid, "true", "the email field is marked invalid");
	eq(err.text, process.env.EXPECT_EMAIL_ERROR, "the error text in the page's language");
	ok(err.beside, "the error is next to its field");
	eq(err.others.join(","), "email", "only the email field is refused");
	ok(err.kept.length > 0, "what was typed is kept");
	await page.$eval("#email", (e) => (e.value = ""));
	await page.type("#email", email);
	await submit(page, "form button[type=submit]");
	await check(page, `thanks-${vname}`);

	// the mail's link: the token page, confirm
	const link = await mailedLink(email);
	await go(page, link);
	await check(page, `token-${vname}`);
	eq(await page.$eval("#state", (e) => e.dataset.state), "pending", "pending before confirming");
	await submit(page, "form[action$=confirm] button");
	await check(page, `confirmed-${vname}`);
	eq(await page.$eval("#state", (e) => e.dataset.state), "confirmed", "confirmed");
	const personal = await page.$$eval("a[href*='/calendars/personal/']", (as) =>
		as.map((a) => a.getAttribute("href")));
	ok(personal.some((u) => u.startsWith("webcal://")), "a webcal link to the personal feed");
	const https = personal.find((u) => u.startsWith("http"));
	ok(https, "an https link to the personal feed");
	eq((await fetch(https)).status, 200, "the personal feed answers");

	// cancel asks first; keeping changes nothing
	await submit(page, "#cancel");
	await check(page, `cancel-${vname}`);
	ok(await page.$("form[action=cancel] button"), "the cancel page has its button");
	await submit(page, "#keep");
	eq(await page.$eval("#state", (e) => e.dataset.state), "confirmed", "kept");
	ok(log.every((l) => !l.startsWith("pageerror")), "no page errors: " + log.join("\n"));
	await page.close();
	return email;
}

const browser = await launch({ lang });
try {
	findings.emails = [await walk(browser, PHONE, "phone"), await walk(browser, DESKTOP, "desktop")];
	done(findings);
} finally {
	await browser.close();
}
