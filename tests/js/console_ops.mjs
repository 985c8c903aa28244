// console_ops.mjs - the console's operations screens in Debian's chromium:
// the outbox (a notification the SMTP server refused, with its reason;
// sent again from the console and seen sent), inbound mail (a calendar
// reply with its decision, reason, person and event; the message's page
// and its raw source), the project's report (participants by country and
// by organisation as SVG charts and tables), users (an admin adds a
// coordinator and makes a token for them), the audit log (the admin's
// changes by name); then the coordinator signs in and sees neither users
// nor the audit log.  axe-core on every screen at desktop and phone sizes;
// screenshots build/screenshots/console-ops-*.png.
//
// env: BASE_URL, NAME, PASSWORD (the admin), PROJECT (slug), REFUSED (the
// address the SMTP server refused), CORA_PASSWORD
import { launch, PHONE, DESKTOP, axe, shot, ok, eq, consoleOf, done } from "./browser.mjs";

const base = process.env.BASE_URL;
const findings = { screens: [], violations: [] };
let step = "start";

async function check(page, name) {
	const v = await axe(page);
	findings.violations.push(...v.map((x) => ({ screen: name, ...x })));
	ok(v.length === 0, `${name}: axe: ${JSON.stringify(v)}`);
	await shot(page, `console-ops-${name}`);
	findings.screens.push(name);
}

const see = (page, selector) => page.waitForSelector(selector, { visible: true, timeout: 20000 });

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

async function signIn(page, name, password) {
	await page.goto(`${base}/admin/`, { waitUntil: "load" });
	await heading(page, "Sign in");
	await page.type("main input[name=name]", name);
	await page.type("main input[name=password]", password);
	await page.click("main button[type=submit]");
	await page.waitForFunction(() => !location.hash.startsWith("#/login"), { timeout: 20000 });
}

async function signOut(page) {
	await page.goto(`${base}/admin/#/logout`, { waitUntil: "load" });
	await heading(page, "Sign out");
	await page.click("#logout");
	await heading(page, "Signed out");
}

async function go(page, hash, title) {
	await page.goto(`${base}/admin/#${hash}`, { waitUntil: "load" });
	await heading(page, title);
}

// The cells of the table rows matching SELECTOR, by column label.
async function rows(page, selector) {
	return page.$$eval(selector, (trs) =>
		trs.map((tr) => Object.fromEntries([...tr.children].map((c) => [c.dataset.label, c.textContent.trim()]))),
	);
}

const browser = await launch({ lang: "en" });
let page = null;
let log = [];
try {
	page = await browser.newPage();
	log = consoleOf(page);
	await page.setViewport(DESKTOP);
	step = "sign in as the admin";
	await signIn(page, process.env.NAME, process.env.PASSWORD);

	// ---- the outbox: the refused notification and why
	step = "the outbox: the refused notification and why";
	await go(page, "/outbox", "Outbox");
	await page.select("#outbox-state", "failed");
	await page.click("#outbox-filters button[type=submit]");
	await page.waitForFunction(() => {
		const trs = [...document.querySelectorAll("#outbox-list tr.outbox-row")];
		return trs.length && trs.every((tr) => tr.classList.contains("state-failed"));
	}, { timeout: 20000 });
	const failed = await rows(page, "#outbox-list tr.outbox-row");
	ok(failed.length >= 1 && failed.every((r) => r.State === "Failed"), "only failed rows: " + JSON.stringify(failed));
	const mine = failed.find((r) => r.Recipient === process.env.REFUSED);
	ok(mine, "the refused address is listed: " + JSON.stringify(failed));
	findings.outbox_error = mine["Why it failed"];
	await check(page, "outbox-failed-desktop");
	step = "the outbox: send it again, see it sent";
	const id = mine.Number.replace("#", "");
	await page.click(`button.retry[data-id="${id}"]`);
	await page.waitForFunction(() => document.getElementById("status").textContent.includes("will be sent again"), { timeout: 20000 });
	findings.retried_said = await page.$eval("#status", (e) => e.textContent.trim());
	await page.select("#outbox-state", "");
	let state = "";
	for (let i = 0; i < 100 && state !== "Sent"; i++) {
		await page.click("#outbox-filters button[type=submit]");
		await new Promise((r) => setTimeout(r, 300));
		const all = await rows(page, "#outbox-list tr.outbox-row");
		const row = all.find((r) => r.Number === `#${id}`);
		state = row ? row.State : "";
	}
	findings.retried_state = state;
	eq(state, "Sent", "sent after the retry");
	await check(page, "outbox-sent-desktop");

	// ---- inbound mail: the calendar reply, its decision and whom it concerns
	step = "inbound mail";
	await go(page, "/inbound", "Inbound mail");
	await see(page, "#inbound-list tr.inbound-row");
	const inbound = await rows(page, "#inbound-list tr.inbound-row");
	findings.inbound = inbound;
	await check(page, "inbound-desktop");
	const reply = inbound.find((r) => r["What it is"] === "imip reply");
	ok(reply, "the calendar reply is listed: " + JSON.stringify(inbound));
	const msgId = reply.Message.replace("Message ", "");
	await page.click(`#inbound-list a[href="#/inbound/${msgId}"]`);
	await heading(page, `Message ${msgId}`);
	await see(page, "#inbound-raw");
	findings.inbound_facts = await page.$$eval("dl.facts dt", (dts) =>
		Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])),
	);
	const raw = await page.evaluate(async () => {
		const a = document.getElementById("inbound-raw");
		const r = await fetch(a.href, { credentials: "same-origin" });
		return { status: r.status, type: r.headers.get("Content-Type"), text: await r.text() };
	});
	eq(raw.status, 200, "the raw source answers");
	findings.raw_type = raw.type;
	findings.raw_has_calendar = raw.text.includes("BEGIN:VCALENDAR");
	await check(page, "inbound-message-desktop");

	// ---- the report: the charts' numbers and the tables'
	step = "the report";
	await go(page, "/reports", "Reports");
	await see(page, "#report-project");
	await see(page, "#report-sentence"); // the first project's report
	await page.select("#report-project", process.env.PROJECT);
	await page.$eval("#report", (e) => e.replaceChildren());
	await page.click("#report-form button[type=submit]");
	await see(page, "#chart-country");
	findings.sentence = await page.$eval("#report-sentence", (e) => e.textContent.trim());
	findings.report = await page.evaluate(() => {
		const bars = (id) => [...document.querySelectorAll(`#${id} g.bar`)].map((g) => [g.dataset.label, Number(g.dataset.n), g.querySelector(".bar-value").textContent]);
		const cells = (cls) => [...document.querySelectorAll(`tr.${cls}`)].map((tr) => [...tr.children].map((c) => c.textContent.trim()));
		const svg = document.getElementById("chart-country");
		const named = (ids) => ids.split(" ").map((i) => document.getElementById(i).textContent);
		return {
			country_bars: bars("chart-country"),
			org_bars: bars("chart-org"),
			country_table: cells("by-country"),
			org_table: cells("by-org"),
			country_name: named(svg.getAttribute("aria-labelledby")),
			role: svg.getAttribute("role"),
		};
	});
	await check(page, "reports-desktop");

	// ---- users: add a coordinator, make a token for them
	step = "users: add a coordinator";
	await go(page, "/users", "Users");
	await see(page, "#users-list tr.user-row");
	await check(page, "users-desktop");
	const field = (label) =>
		page.evaluate((l) => {
			const lab = [...document.querySelectorAll("main label")].find((x) => x.textContent.replace(/\s*\*$/, "").trim() === l);
			return lab ? `#${CSS.escape(lab.htmlFor)}` : null;
		}, label);
	await page.type(await field("Name"), "cora");
	await page.select(await field("Role"), "coordinator");
	await page.type(await field("Projects (coordinators)"), process.env.PROJECT);
	await page.type(await field("Password"), process.env.CORA_PASSWORD);
	await page.click("main form button[type=submit]");
	await heading(page, "Account cora");
	ok((await page.$eval("#status", (e) => e.textContent)).includes("Account cora added"), "added");
	findings.cora_state = await page.$eval("#user-state", (e) => e.textContent.trim());
	step = "users: a token for cora";
	await page.type(await field("Token name"), "cora's laptop");
	const forms = await page.$$("main form");
	await forms[forms.length - 1].$eval("button[type=submit]", (b) => b.click());
	await see(page, "#token-value");
	findings.token = await page.$eval("#token-value", (e) => e.textContent.trim());
	await check(page, "user-desktop");

	// ---- the audit log: the admin's changes by name
	step = "the audit log";
	await go(page, "/audit", "Audit log");
	await page.type("#audit-actor", process.env.NAME);
	await page.select("#audit-action", "change");
	await page.click("#audit-filters button[type=submit]");
	await page.waitForFunction(
		(name) => {
			const trs = [...document.querySelectorAll("#audit-list tr.audit-row")];
			const who = trs.map((tr) => tr.querySelector('[data-label="Account"]').textContent);
			return who.length && who.every((w) => w === name) && trs.some((tr) => tr.textContent.includes("/api/users"));
		},
		{ timeout: 20000 },
		process.env.NAME,
	);
	findings.audit = await rows(page, "#audit-list tr.audit-row");
	await check(page, "audit-desktop");

	// ---- every screen at a phone's size
	step = "phone";
	await page.setViewport(PHONE);
	for (const [hash, title, name] of [
		["/outbox", "Outbox", "outbox-phone"],
		["/inbound", "Inbound mail", "inbound-phone"],
		["/reports", "Reports", "reports-phone"],
		["/users", "Users", "users-phone"],
		["/users/cora", "Account cora", "user-phone"],
		["/audit", "Audit log", "audit-phone"],
	]) {
		await go(page, hash, title);
		await page.waitForFunction(() => !document.querySelector("main").textContent.includes("Loading"), { timeout: 20000 });
		await page.waitForFunction(() => document.querySelector("main table, main p.empty, main svg"), { timeout: 20000 });
		await check(page, name);
	}
	await page.setViewport(DESKTOP);
	await signOut(page);

	// ---- the coordinator: no users, no audit log
	step = "the coordinator signs in";
	await signIn(page, "cora", process.env.CORA_PASSWORD);
	await heading(page, "Projects");
	findings.cora_nav = await page.$$eval("#navlist a", (as) => as.map((a) => a.textContent.trim()));
	await check(page, "coordinator-projects-desktop");
	for (const hash of ["/users", "/audit", "/outbox"]) {
		await page.goto(`${base}/admin/#${hash}`, { waitUntil: "load" });
		await heading(page, "Your account may not open this page.");
	}
	findings.cora_forbidden = true;
	await go(page, "/reports", "Reports");
	await see(page, "#chart-country");
	findings.cora_report_projects = await page.$$eval("#report-project option", (os) => os.map((o) => o.value));
	await check(page, "coordinator-reports-desktop");
	await signOut(page);

	ok(log.every((l) => !l.startsWith("pageerror")), "no page errors:\n" + log.join("\n"));
	done(findings);
} catch (e) {
	if (page) {
		const body = await page.evaluate(() => document.body.innerText).catch(() => "");
		e.message += `\nthe page (${page.url()}):\n${body.slice(0, 1500)}\n${log.join("\n")}`;
	}
	e.message = `at "${step}": ${e.message}`;
	throw e;
} finally {
	await browser.close();
}
