// questions.mjs - registration questions in Debian's chromium, in Polish,
// at a phone and a desktop viewport (issue 19): the event page's timetable
// (parallel items side by side on a desktop, one under the other on a
// phone), the form with a required question left out (the Polish sentence
// next to it, tied to it), a choice that is not offered (the page tampered
// with: refused with 422 next to it), consent unticked (refused), the full
// group disabled with the word, a good registration, and the token page
// (from the mailed link) changing an answer.  axe-core on every page;
// screenshots build/screenshots/questions-*.png.
//
// env: BASE_URL, EVENT (with the questions of test_programme_pages.py and
// a parallel block in its programme), MAILDIR, RUN.
import fs from "node:fs";
import path from "node:path";
import { launch, PHONE, DESKTOP, axe, shot, ok, eq, consoleOf, done } from "./browser.mjs";

const base = process.env.BASE_URL;
const event = process.env.EVENT;
const findings = { pages: [], violations: [], emails: [] };

async function check(page, name) {
	eq(await page.$eval("html", (h) => h.lang), "pl", `${name}: the page's language`);
	const v = await axe(page);
	findings.violations.push(...v.map((x) => ({ page: name, ...x })));
	ok(v.length === 0, `${name}: axe: ${JSON.stringify(v)}`);
	await shot(page, `questions-${name}`);
	findings.pages.push(name);
}

async function submit(page, selector) {
	const [resp] = await Promise.all([
		page.waitForNavigation({ waitUntil: "load" }),
		page.click(selector),
	]);
	return resp ? resp.status() : 0;
}

// The token page's link of the newest mail to ADDRESS in the maildir.
async function mailedLink(address) {
	for (let i = 0; i < 300; i++) {
		for (const sub of ["new", "cur"]) {
			const dir = path.join(process.env.MAILDIR, sub);
			if (!fs.existsSync(dir)) continue;
			for (const f of fs.readdirSync(dir)) {
				const text = fs.readFileSync(path.join(dir, f), "utf8").replace(/=\r?\n/g, "");
				if (!text.includes(address)) continue;
				const m = text.match(/https?:\/\/[^\s"<>]+\/r\/[0-9a-f]{64}/);
				if (m) return m[0];
			}
		}
		await new Promise((res) => setTimeout(res, 100));
	}
	throw new Error(`no mail with a link for ${address}`);
}

// What is shown next to question KEY: the sentence tied to its control.
async function refusal(page, key) {
	return page.evaluate((key) => {
		const err = document.getElementById(`answers-${key}-error`);
		const box = document.querySelector(`[data-key="${key}"]`);
		const ctl = [...box.querySelectorAll("[aria-describedby]")].concat(
			box.matches("[aria-describedby]") ? [box] : []);
		return {
			text: err && err.textContent,
			code: err && err.dataset.code,
			inside: !!err && box.contains(err),
			tied: ctl.some((c) => c.getAttribute("aria-invalid") === "true" &&
				c.getAttribute("aria-describedby").split(" ").includes(err.id)),
			invalid: [...document.querySelectorAll("[aria-invalid=true]")].length,
		};
	}, key);
}

async function fillPerson(page, email) {
	for (const [id, v] of [["#name", "Zofia Wiśniewska"], ["#email", email],
		["#organisation", "Urząd Miasta Sopotu"]]) {
		await page.$eval(id, (e) => (e.value = ""));
		await page.type(id, v);
	}
	await page.select("#country", "PL");
}

async function walk(browser, viewport, vname) {
	const page = await browser.newPage();
	const log = consoleOf(page);
	await page.setViewport(viewport);
	await page.setExtraHTTPHeaders({ "Accept-Language": "pl;q=0.9, en;q=0.5" });

	// the timetable: the parallel block side by side only on a desktop
	const r = await page.goto(`${base}/events/${event}`, { waitUntil: "load" });
	eq(r.status(), 200, "the event page");
	await check(page, `event-${vname}`);
	const tops = await page.$$eval(".slot.parallel .item", (as) =>
		as.map((a) => Math.round(a.getBoundingClientRect().top)));
	eq(tops.length, 2, "two parallel items");
	if (viewport === DESKTOP) eq(tops[0], tops[1], "side by side on a desktop");
	else ok(tops[1] > tops[0], "one under the other on a phone");
	if (viewport === PHONE)
		ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390,
			"no sideways scrolling on a phone");

	await page.goto(`${base}/events/${event}/register`, { waitUntil: "load" });
	await check(page, `form-${vname}`);
	// the full group: disabled, with the word
	const energy = await page.$eval("input[name='answers.group'][value=energy]", (e) => ({
		disabled: e.disabled, label: e.closest("label").textContent }));
	ok(energy.disabled, "the full group cannot be chosen");
	ok(energy.label.includes("brak miejsc"), "the full group says so: " + energy.label);
	ok((await page.$eval("legend", (e) => e.textContent)).includes("(wymagane)"),
		"required in words");

	// 1. the required dietary question left out
	const email = `zofia-${vname}-${process.env.RUN}@example.org`;
	await fillPerson(page, email);
	await page.type("#answers-town", "Gdynia");
	await page.click("#answers-photos");
	await page.click("input[name='answers.group'][value=youth]");
	eq(await submit(page, "form button[type=submit]"), 422, "required missing: 422");
	await check(page, `required-${vname}`);
	let e = await refusal(page, "dietary");
	eq(e.text, "Wybierz jedną z opcji.", "the Polish sentence next to the question");
	ok(e.inside && e.tied, "next to it and tied to it: " + JSON.stringify(e));
	eq(e.invalid, 1, "only that question is refused");
	eq(await page.$eval("#answers-town", (x) => x.value), "Gdynia", "values kept");
	ok(await page.$eval("#answers-photos", (x) => x.checked), "the consent kept");

	// 2. a choice the form does not offer (the page tampered with)
	await page.$eval("input[name='answers.dietary'][value=vegan]", (x) => {
		x.value = "carnivore";
		x.checked = true;
	});
	eq(await submit(page, "form button[type=submit]"), 422, "a choice not offered: 422");
	await check(page, `not-offered-${vname}`);
	e = await refusal(page, "dietary");
	eq(e.code, "choice_not_offered", "refused as not offered");
	ok(e.inside && e.tied, "next to it");

	// 3. consent unticked
	await page.click("input[name='answers.dietary'][value=vegetarian]");
	await page.click("#answers-photos");
	ok(!(await page.$eval("#answers-photos", (x) => x.checked)), "consent unticked");
	eq(await submit(page, "form button[type=submit]"), 422, "consent unticked: 422");
	await check(page, `consent-${vname}`);
	e = await refusal(page, "photos");
	eq(e.text, "Zaznacz to pole: rejestracja wymaga Twojej zgody.", "the consent sentence");
	ok(e.inside && e.tied, "next to the consent");

	// 4. the good one
	await page.click("#answers-photos");
	eq(await submit(page, "form button[type=submit]"), 200, "registered");
	await check(page, `thanks-${vname}`);
	ok((await page.content()).includes("Dziękujemy!"), "thanked");

	// 5. the token page: change the town
	await page.goto(await mailedLink(email), { waitUntil: "load" });
	await check(page, `token-${vname}`);
	ok(await page.$eval("input[name='answers.dietary'][value=vegetarian]", (x) => x.checked),
		"the stored answer is shown");
	eq(await page.$eval("#answers-town", (x) => x.value), "Gdynia", "the stored town");
	await page.$eval("#answers-town", (x) => (x.value = ""));
	await page.type("#answers-town", "Sopot");
	eq(await submit(page, "#answers-save"), 200, "answers saved");
	await check(page, `token-saved-${vname}`);
	ok(await page.$(".msg[role=status]"), "the page says it is saved");
	ok(log.every((l) => !l.startsWith("pageerror")), "no page errors: " + log.join("\n"));
	await page.close();
	return email;
}

const browser = await launch({ lang: "pl" });
try {
	findings.emails.push(await walk(browser, PHONE, "phone"));
	findings.emails.push(await walk(browser, DESKTOP, "desktop"));
	done(findings);
} finally {
	await browser.close();
}
