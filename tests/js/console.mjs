// console.mjs - the secretariat's console (/admin/) in Debian's chromium:
// the flow.  Sign in (a wrong password first), create a project
// and an event in Europe/Helsinki (03:30 on 2027-03-28 is refused inline
// with the API's own words while it is typed; 10:00 is saved), three
// people register through the public form for two seats and confirm from
// their mails, the console shows two seated and one waiting, a
// cancellation in the console moves the waiting one up, sign out and the
// session no longer works.  axe-core on every screen, at desktop and
// phone sizes; screenshots build/screenshots/console-*.png.
//
// env: BASE_URL, MAILDIR, NAME, PASSWORD, RUN (a tag for addresses)
import fs from "node:fs";
import path from "node:path";
import { launch, PHONE, DESKTOP, axe, shot, ok, eq, consoleOf, done } from "./browser.mjs";

const base = process.env.BASE_URL;
const run = process.env.RUN || "t";
const findings = { screens: [], violations: [] };
let step = "start"; // named in the error when a wait times out

async function check(page, name) {
	const v = await axe(page);
	findings.violations.push(...v.map((x) => ({ screen: name, ...x })));
	ok(v.length === 0, `${name}: axe: ${JSON.stringify(v)}`);
	await shot(page, `console-${name}`);
	findings.screens.push(name);
}

// Wait for the console to show SELECTOR (the screens render after their
// API calls answer).
const see = (page, selector) => page.waitForSelector(selector, { visible: true, timeout: 20000 });

async function text(page, selector) {
	return page.$eval(selector, (e) => e.textContent.trim());
}

async function heading(page, want) {
	await page.waitForFunction(
		(w) => {
			const h = document.querySelector("main h1");
			return h && h.textContent.includes(w);
		},
		{ timeout: 20000 },
		want,
	);
}

// Set an <input> the way a person does (each key an input event).
async function typeInto(page, selector, value) {
	await page.$eval(selector, (e) => {
		e.value = "";
	});
	await page.type(selector, value);
}

// A datetime-local input takes its value from the picker: set it and send
// the events the picker sends.
async function setTime(page, selector, value) {
	await page.$eval(
		selector,
		(e, v) => {
			e.value = v;
			e.dispatchEvent(new Event("input", { bubbles: true }));
			e.dispatchEvent(new Event("change", { bubbles: true }));
		},
		value,
	);
}

// The id of the form control labelled LABEL.
async function control(page, label) {
	return page.evaluate((l) => {
		const lab = [...document.querySelectorAll("main label")].find((x) => x.textContent.replace(/\s*\*$/, "").trim() === l);
		return lab ? `#${CSS.escape(lab.htmlFor)}` : null;
	}, label);
}

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

// One person through the public form and the link in their mail.
async function registerAndConfirm(browser, event, who) {
	const page = await browser.newPage();
	await page.setViewport(PHONE);
	await page.goto(`${base}/events/${event}/register`, { waitUntil: "load" });
	await page.type("#name", who.name);
	await page.type("#email", who.email);
	await page.type("#organisation", who.org);
	await page.select("#country", who.country);
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form button[type=submit]")]);
	const link = await mailedLink(who.email);
	await page.goto(link, { waitUntil: "load" });
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form[action$=confirm] button")]);
	const state = await page.$eval("#state", (e) => e.dataset.state);
	await page.close();
	return state;
}

const browser = await launch({ lang: "en" });
try {
	const page = await browser.newPage();
	const log = consoleOf(page);
	await page.setViewport(DESKTOP);

	// ---- sign in: a wrong password, then the right one
	step = "sign in: a wrong password, then the right one";
	await page.goto(`${base}/admin/`, { waitUntil: "load" });
	await heading(page, "Sign in");
	ok(page.url().endsWith("#/login"), "an anonymous visit leads to the login: " + page.url());
	await check(page, "login-desktop");
	await page.type("main input[name=name]", process.env.NAME);
	await page.type("main input[name=password]", "not-the-password");
	await page.click("main button[type=submit]");
	await page.waitForFunction(() => document.querySelector(".form-error").textContent.length > 0);
	eq(await text(page, ".form-error"), "The name or the password is wrong.", "login_failed in words");
	await check(page, "login-failed-desktop");
	await typeInto(page, "main input[name=password]", process.env.PASSWORD);
	await page.click("main button[type=submit]");
	await heading(page, "Projects");
	ok(page.url().endsWith("#/projects"), "signed in, the projects: " + page.url());
	// by keyboard: from the top of the page the first Tab reaches the skip
	// link, which moves focus to <main> and leaves the route alone
	await page.reload({ waitUntil: "load" });
	await heading(page, "Projects");
	await page.keyboard.press("Tab");
	eq(await page.evaluate(() => document.activeElement.id), "skip", "the skip link comes first");
	await page.keyboard.press("Enter");
	eq(await page.evaluate(() => document.activeElement.id), "main", "it moves focus to the content");
	ok(page.url().endsWith("#/projects"), "the route is kept");
	await check(page, "projects-empty-desktop");

	// ---- a project
	step = "a project";
	await page.click("#new-project");
	await heading(page, "New project");
	await check(page, "project-new-desktop");
	await page.type(await control(page, "Short name"), `nordic-${run}`);
	await page.type(await control(page, "Title"), "Nordic rural network");
	await page.type(await control(page, "Programme"), "Interreg Baltic Sea");
	await page.click("main button[type=submit]");
	await heading(page, "Nordic rural network");
	ok((await text(page, "#status")).includes("saved"), "the project is saved");

	// ---- an event in Helsinki: the DST gap explained inline, then saved
	step = "an event in Helsinki: the DST gap explained inline, then saved";
	await page.click("#new-event");
	await heading(page, "New event");
	await page.type(await control(page, "Title"), "Seminar on rural transport");
	await page.select(await control(page, "Status"), "published");
	const tzSel = await control(page, "Time zone");
	await page.type(`${tzSel}-search`, "Helsinki");
	eq(await page.$eval(tzSel, (s) => s.value), "Europe/Helsinki", "the search finds Helsinki");
	const groups = await page.$eval(tzSel, (s) => [...s.querySelectorAll("optgroup")].map((g) => g.label));
	eq(groups.join(","), "Europe", "the places are grouped by region");
	const start = await control(page, "Start");
	await setTime(page, start, "2027-03-28T03:30");
	await page.waitForFunction(
		(sel) => document.querySelector(sel).getAttribute("aria-invalid") === "true",
		{ timeout: 20000 },
		start,
	);
	const gap = await page.$eval(start, (e) => {
		const ids = (e.getAttribute("aria-describedby") || "").split(" ");
		const msg = ids.map((i) => document.getElementById(i)).find((m) => m && m.classList.contains("field-error"));
		return { text: msg && msg.textContent, beside: msg && msg.parentElement === e.parentElement };
	});
	eq(
		gap.text,
		"field start: 2027-03-28T03:30 does not exist in Europe/Helsinki (the clocks skip it when summer time starts)",
		"the API's own refusal, next to the start",
	);
	ok(gap.beside, "the refusal is in the start field's block");
	findings.gap = gap.text;
	await check(page, "event-dst-gap-desktop");
	// a repeated hour: the API's warning under the field
	const end = await control(page, "End");
	await setTime(page, end, "2027-10-31T03:30");
	await page.waitForSelector("#warn-end:not([hidden])", { timeout: 20000 });
	ok((await text(page, "#warn-end")).includes("occurs twice in Europe/Helsinki"), "the fold's warning");
	findings.fold = await text(page, "#warn-end");
	await setTime(page, start, "2027-03-28T10:00");
	await setTime(page, end, "2027-03-28T16:00");
	await page.waitForFunction((sel) => !document.querySelector(sel).hasAttribute("aria-invalid"), { timeout: 20000 }, start);
	// no warning at 16:00 (the check answers after a pause in typing)
	await page.waitForSelector("#warn-end[hidden]", { timeout: 20000 });
	await page.type(await control(page, "Seats"), "2");
	await page.type(await control(page, "City"), "Helsinki");
	await page.type(await control(page, "Country code"), "FI");
	await check(page, "event-new-desktop");
	await page.click("main button[type=submit]");
	await heading(page, "Nordic rural network");
	await see(page, "main table");
	const row = await page.$$eval("main table tbody tr", (trs) => trs.map((tr) => tr.textContent));
	eq(row.length, 1, "one event");
	ok(row[0].includes("Seminar on rural transport") && row[0].includes("0 of 2 taken"), "seats: " + row[0]);
	ok(row[0].includes("10:00") && row[0].includes("Europe/Helsinki"), "its time in its zone, named: " + row[0]);
	await check(page, "project-desktop");
	const event = await page.$eval("main table tbody a[href*='/registrations']", (a) => a.getAttribute("href").split("/")[2]);
	findings.event = event;

	// ---- a deadline in Brussels time, and the project edited
	step = "a deadline and the project edited";
	await page.click("#new-deadline");
	await heading(page, "New deadline");
	await page.type(await control(page, "Title"), "Interim report");
	const dtz = await control(page, "Time zone");
	await page.type(`${dtz}-search`, "Brussels");
	eq(await page.$eval(dtz, (s) => s.value), "Europe/Brussels", "the search finds Brussels");
	await setTime(page, await control(page, "Due"), "2027-09-01T12:00");
	await check(page, "deadline-new-desktop");
	await page.click("main button[type=submit]");
	await heading(page, "Nordic rural network");
	await page.waitForFunction(() => document.querySelectorAll("main table").length === 2, { timeout: 20000 });
	const dl = await page.$$eval("main table", (ts) => ts[1].querySelector("tbody tr").textContent);
	ok(dl.includes("Interim report") && dl.includes("12:00") && dl.includes("Europe/Brussels"), "the deadline: " + dl);
	await page.click("#edit-project");
	await heading(page, "Edit Nordic rural network");
	await check(page, "project-edit-desktop");
	await typeInto(page, await control(page, "Programme"), "Interreg Baltic Sea Region");
	await page.click("main button[type=submit]");
	await page.waitForFunction(() => document.querySelector("main").textContent.includes("Interreg Baltic Sea Region"), {
		timeout: 20000,
	});
	await heading(page, "Nordic rural network");

	// ---- three people through the public form, for two seats
	step = "three people through the public form, for two seats";
	const people = [
		{ name: "Aino Virtanen", email: `aino-${run}@espoo.fi`, org: "Espoon kaupunki", country: "FI" },
		{ name: "Björn Lind", email: `bjorn-${run}@umea.se`, org: "Umeå kommun", country: "SE" },
		{ name: "Chiara Rossi", email: `chiara-${run}@rimini.it`, org: "Comune di Rimini", country: "IT" },
	];
	findings.states = [];
	for (const p of people) findings.states.push(await registerAndConfirm(browser, event, p));
	eq(findings.states.join(","), "confirmed,confirmed,waitlisted", "the third waits");

	// ---- the console shows them: two seated, one waiting
	step = "the console shows them: two seated, one waiting";
	await page.goto(`${base}/admin/#/events/${event}/registrations`, { waitUntil: "load" });
	await heading(page, "Registrations: Seminar on rural transport");
	await see(page, "#all-regs table");
	ok((await text(page, "#seats")).includes("2 of 2 taken"), "seats: " + (await text(page, "#seats")));
	const waiting = await page.$$eval("section[aria-labelledby=waiting-heading] tbody tr", (trs) => trs.map((t) => t.textContent));
	eq(waiting.length, 1, "one waiting");
	ok(waiting[0].includes("Chiara Rossi"), "Chiara waits: " + waiting[0]);
	const names = await page.$$eval("#all-regs tbody tr th", (ths) => ths.map((t) => t.textContent));
	eq(names.length, 3, "three registrations");
	await check(page, "registrations-desktop");

	// ---- cancel Aino in the console: Chiara moves up
	step = "cancel Aino in the console: Chiara moves up";
	const aino = await page.$$eval("#all-regs tbody tr", (trs) =>
		trs.find((t) => t.textContent.includes("Aino Virtanen")).querySelector("button[data-action=cancel]").dataset.reg);
	await page.click(`#all-regs button[data-action=cancel][data-reg="${aino}"]`);
	await see(page, "dialog.confirm[open]");
	await check(page, "registrations-cancel-dialog-desktop");
	await page.click("dialog.confirm[open] button.primary");
	await page.waitForFunction(() => document.getElementById("status").textContent.includes("moved up"), { timeout: 20000 });
	findings.cancelled = await text(page, "#status");
	await page.waitForFunction(
		() => document.querySelector("section[aria-labelledby=waiting-heading] .empty") !== null,
		{ timeout: 20000 },
	);
	const after = await page.$$eval("#all-regs tbody tr", (trs) =>
		Object.fromEntries(trs.map((t) => [t.querySelector("th").textContent, t.querySelector("td").textContent])));
	ok(after["Chiara Rossi"].startsWith("Confirmed"), "Chiara has the seat: " + JSON.stringify(after));
	ok(after["Aino Virtanen"].startsWith("Cancelled"), "Aino is cancelled: " + JSON.stringify(after));
	await check(page, "registrations-after-cancel-desktop");

	// ---- resend Björn"s link, and correct his details
	step = "resend and correct Björn";
	const bjorn = await page.$$eval("#all-regs tbody tr", (trs) =>
		trs.find((t) => t.textContent.includes("Björn Lind")).querySelector("button[data-action=resend]").dataset.reg);
	findings.bjorn = bjorn;
	await page.click(`#all-regs button[data-action=resend][data-reg="${bjorn}"]`);
	await page.waitForFunction(() => document.getElementById("status").textContent.includes("sent again"), { timeout: 20000 });
	await page.click(`#all-regs button[data-action=correct][data-reg="${bjorn}"]`);
	await see(page, "dialog[open] form");
	await check(page, "registrations-correct-dialog-desktop");
	const dlgName = await page.$eval("dialog[open] input[name=name]", (e) => `#${e.id}`);
	await typeInto(page, dlgName, "Björn Lindqvist");
	const dlgCountry = await page.$eval("dialog[open] input[name=country]", (e) => `#${e.id}`);
	await typeInto(page, dlgCountry, "XX");
	await page.click("dialog[open] button[type=submit]");
	// the API's refusal next to its field, in the dialog
	await page.waitForFunction(
		(sel) => document.querySelector(sel).getAttribute("aria-invalid") === "true",
		{ timeout: 20000 },
		dlgCountry,
	);
	findings.country_error = await page.$eval(`${dlgCountry}-error`, (e) => e.textContent);
	await typeInto(page, dlgCountry, "SE");
	await page.click("dialog[open] button[type=submit]");
	await page.waitForFunction(() => !document.querySelector("dialog[open]"), { timeout: 20000 });
	await page.waitForFunction(
		() => [...document.querySelectorAll("#all-regs tbody th")].some((t) => t.textContent === "Björn Lindqvist"),
		{ timeout: 20000 },
	);
	ok((await text(page, "#status")).includes("Björn Lindqvist"), "the correction is said");

	// ---- the check-in link for the door, and what a door account and a
	step = "the check-in link, door and coordinator";
	// coordinator see
	await page.click("#make-checkin");
	await see(page, "dialog.confirm[open]");
	await page.click("dialog.confirm[open] button.primary");
	await see(page, "#checkin-href");
	const checkinHref = await page.$eval("#checkin-href", (a) => a.href);
	ok(new RegExp(`/checkin/${event}#s=[0-9a-f]{32,}$`).test(checkinHref), "the check-in link: " + checkinHref);
	await check(page, "registrations-checkin-link-desktop");
	const made = await page.evaluate(
		async (ev, slug) => {
			const csrf = sessionStorage.getItem("convened.csrf");
			const post = (b) =>
				fetch("/api/users", {
					method: "POST",
					credentials: "same-origin",
					headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
					body: JSON.stringify(b),
				}).then((r) => r.status);
			return [
				await post({ name: "dora", role: "door", events: [Number(ev)], password: "Door-Staff-Sesame-42" }),
				await post({ name: "cora", role: "coordinator", projects: [slug], password: "Coordinatrice-2027" }),
			];
		},
		event,
		`nordic-${run}`,
	);
	eq(made.join(","), "201,201", "door and coordinator accounts made with the admin's session");
	async function signIn(name, password, viewport) {
		const ctx = await browser.createBrowserContext();
		const p = await ctx.newPage();
		await p.setViewport(viewport);
		await p.goto(`${base}/admin/`, { waitUntil: "load" });
		await heading(p, "Sign in");
		await p.type("main input[name=name]", name);
		await p.type("main input[name=password]", password);
		await p.click("main button[type=submit]");
		return { ctx, p };
	}
	const navOf = (p) => p.$$eval("#navlist a", (as) => as.map((a) => a.textContent));
	const door = await signIn("dora", "Door-Staff-Sesame-42", PHONE);
	await heading(door.p, "Check-in");
	await see(door.p, "main table");
	eq((await navOf(door.p)).join(","), "Check-in,Sign out", "a door account sees only its check-in");
	eq(
		await door.p.$eval("main table a", (a) => a.getAttribute("href")),
		`/checkin/${event}`,
		"the event's check-in page",
	);
	await check(door.p, "door-checkin-phone");
	const doorPage = await door.p.goto(checkinHref, { waitUntil: "load" });
	eq(doorPage.status(), 200, "the check-in link opens the door's page");
	await door.ctx.close();
	const cora = await signIn("cora", "Coordinatrice-2027", DESKTOP);
	await heading(cora.p, "Projects");
	await see(cora.p, "main table");
	eq((await navOf(cora.p)).join(","), "Projects,Reports,Sign out", "a coordinator: no users, audit or outbox");
	ok((await text(cora.p, "main table")).includes("Nordic rural network"), "the coordinator's project");
	await check(cora.p, "coordinator-projects-desktop");
	// the language menu: Finnish words, the page's lang follows
	await cora.p.select("#lang-select", "fi");
	await heading(cora.p, "Hankkeet");
	eq(await cora.p.$eval("html", (h) => h.lang), "fi", "html lang follows the choice");
	eq((await navOf(cora.p)).join(","), "Hankkeet,Raportit,Kirjaudu ulos", "the menu in Finnish");
	await check(cora.p, "coordinator-projects-fi-desktop");
	await cora.ctx.close();

	// ---- the same screens on a phone: the menu behind its button, rows stacked
	step = "the same screens on a phone: the menu behind its button, rows stacked";
	await page.setViewport(PHONE);
	await page.goto(`${base}/admin/#/projects`, { waitUntil: "load" });
	await heading(page, "Projects");
	ok(await page.$eval("#nav", (n) => getComputedStyle(n).display === "none"), "the menu is folded on a phone");
	await page.click("#menu");
	ok(await page.$eval("#nav", (n) => getComputedStyle(n).display !== "none"), "the menu button opens it");
	eq(await page.$eval("#menu", (b) => b.getAttribute("aria-expanded")), "true", "aria-expanded follows");
	await check(page, "projects-phone");
	ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, "no sideways scrolling");
	await page.goto(`${base}/admin/#/events/${event}/registrations`, { waitUntil: "load" });
	await heading(page, "Registrations");
	await see(page, "#all-regs table");
	eq(await page.$eval("#all-regs table tbody tr", (tr) => getComputedStyle(tr).display), "block", "rows stack on a phone");
	ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, "no sideways scrolling");
	await check(page, "registrations-phone");
	await page.goto(`${base}/admin/#/events/${event}/edit`, { waitUntil: "load" });
	await heading(page, "Edit Seminar on rural transport");
	await see(page, "main form");
	await check(page, "event-edit-phone");

	// ---- sign out: the session no longer works
	step = "sign out: the session no longer works";
	const cookie = (await page.cookies()).find((c) => c.name === "convened_session");
	ok(cookie, "a session cookie");
	eq((await fetch(`${base}/api/me`, { headers: { Cookie: `convened_session=${cookie.value}` } })).status, 200, "the session works");
	await page.setViewport(DESKTOP);
	await page.goto(`${base}/admin/#/logout`, { waitUntil: "load" });
	await heading(page, "Sign out");
	await check(page, "logout-desktop");
	await page.click("#logout");
	await heading(page, "Signed out");
	await check(page, "signed-out-desktop");
	findings.after_logout = (await fetch(`${base}/api/me`, { headers: { Cookie: `convened_session=${cookie.value}` } })).status;
	eq(findings.after_logout, 401, "the old session id is refused");
	findings.page_after_logout = await page.evaluate(async () => (await fetch("/api/me", { credentials: "same-origin" })).status);
	eq(findings.page_after_logout, 401, "the page's own session is gone");
	// a screen of the console now leads to the login
	await page.goto(`${base}/admin/#/projects`, { waitUntil: "load" });
	await heading(page, "Sign in");

	ok(log.every((l) => !l.startsWith("pageerror")), "no page errors:\n" + log.join("\n"));
	// the strict CSP refused nothing the console does
	ok(log.every((l) => !/Content Security Policy|Refused to/.test(l)), "CSP refusals:\n" + log.join("\n"));
	done(findings);
} catch (e) {
	e.message = `at "${step}": ${e.message}`;
	throw e;
} finally {
	await browser.close();
}
