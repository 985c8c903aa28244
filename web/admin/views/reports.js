// views/reports.js - #/reports: a project's attendance report (GET
// /api/reports/attendance?project=) for the funder: how many people from
// how many organisations in how many countries, each event's counts, and
// the participants by country and by organisation as two bar charts
// (inline SVG built here, with a <title> and <desc>) and the same numbers
// as tables.  A participant is a person with a confirmed registration,
// counted once however many events they registered for.

import { currentLang } from "../i18n.js";
import { errorText, h, fill, heading, number, table, when } from "../ui.js";

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
	for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	return el;
}

// [{label, n}] by n (then label), from the distinct participants.
function tally(people, key) {
	const m = new Map();
	for (const p of people) {
		const k = p[key] || "—";
		m.set(k, (m.get(k) || 0) + 1);
	}
	return [...m].map(([label, n]) => ({ label, n })).sort((a, b) => b.n - a.n || a.label.localeCompare(b.label, currentLang()));
}

// A horizontal bar chart of ROWS: role=img, named by its <title>,
// described by its <desc> (every bar in words).
function chart(id, title, rows, t) {
	const bar = 22;
	const gap = 8;
	const labelW = 220;
	const width = 640;
	const max = Math.max(1, ...rows.map((r) => r.n));
	const height = rows.length * (bar + gap) + gap;
	const desc = rows.map((r) => t("reports.bar", { label: r.label, n: number(r.n) })).join("; ");
	return s(
		"svg",
		{
			id,
			class: "chart",
			role: "img",
			viewBox: `0 0 ${width} ${height}`,
			width: "100%",
			preserveAspectRatio: "xMinYMin meet",
			"aria-labelledby": `${id}-title ${id}-desc`,
		},
		s("title", { id: `${id}-title` }, title),
		s("desc", { id: `${id}-desc` }, desc),
		rows.map((r, i) => {
			const y = gap + i * (bar + gap);
			const w = Math.max(2, Math.round(((width - labelW - 60) * r.n) / max));
			return s(
				"g",
				{ class: "bar", "data-label": r.label, "data-n": r.n },
				s("text", { x: labelW - 8, y: y + bar / 2, "text-anchor": "end", "dominant-baseline": "middle", class: "bar-label" }, r.label.length > 30 ? `${r.label.slice(0, 29)}…` : r.label),
				s("rect", { x: labelW, y, width: w, height: bar, rx: 3, class: "bar-rect" }),
				s("text", { x: labelW + w + 6, y: y + bar / 2, "dominant-baseline": "middle", class: "bar-value" }, number(r.n)),
			);
		}),
	);
}

export async function view(ctx) {
	const { root, api, t, me } = ctx;
	root.append(heading(t("reports.title")));
	// a coordinator's own projects (the list names every project)
	const projects = (await api.get("/api/projects")).filter((p) => me.role === "admin" || (me.projects || []).includes(p.slug));
	const pick = h("select", { id: "report-project" }, projects.map((p) => h("option", { value: p.slug }, p.title)));
	const out = h("div", { id: "report", "aria-live": "polite" });
	root.append(
		h("form", { class: "filters", id: "report-form" }, h("div", { class: "field inline" }, h("label", { for: "report-project" }, t("reports.project")), pick), h("button", { type: "submit" }, t("reports.show"))),
		out,
	);
	if (!projects.length) {
		fill(out, h("p", { class: "empty" }, t("reports.no_projects")));
		return;
	}

	async function show() {
		let r;
		try {
			r = await api.get("/api/reports/attendance", { project: pick.value });
		} catch (e) {
			fill(out, h("p", { class: "error", role: "alert" }, errorText(e)));
			return;
		}
		// distinct people: by address, or each anonymised one apart
		const seen = new Map();
		for (const ev of r.events)
			ev.participants.forEach((p, i) => {
				const k = p.email || `${ev.id}/${i}`;
				if (!seen.has(k)) seen.set(k, p);
			});
		const people = [...seen.values()];
		const byCountry = tally(people, "country");
		const byOrg = tally(people, "organisation");
		const pr = r.project;
		fill(
			out,
			h("h2", {}, pr.title),
			h("p", { class: "sentence", id: "report-sentence" }, t("reports.sentence", { participants: number(pr.participants), organisations: number(pr.organisations), countries: number(pr.countries) })),
			h("h2", { id: "report-events" }, t("reports.events")),
			table({
				columns: [
					{ label: t("reports.event"), key: "title" },
					{ label: t("reports.start"), render: (e) => when(e.start) },
					{ label: t("reports.confirmed"), render: (e) => number(e.confirmed) },
					{ label: t("reports.organisations"), render: (e) => number(e.organisations) },
					{ label: t("reports.countries"), render: (e) => number(e.countries) },
					{ label: t("reports.attended"), render: (e) => (e.attendance ? number(e.attendance.attended) : "") },
				],
				rows: r.events,
				empty: t("reports.no_events"),
			}),
			h("h2", { id: "by-country-heading" }, t("reports.by_country")),
			byCountry.length ? chart("chart-country", t("reports.chart_country", { project: pr.title }), byCountry, t) : null,
			table({
				caption: t("reports.by_country"),
				columns: [
					{ label: t("reports.country"), key: "label" },
					{ label: t("reports.participants"), render: (x) => number(x.n) },
				],
				rows: byCountry,
				empty: t("reports.nobody"),
				rowClass: () => "by-country",
			}),
			h("h2", { id: "by-org-heading" }, t("reports.by_org")),
			byOrg.length ? chart("chart-org", t("reports.chart_org", { project: pr.title }), byOrg, t) : null,
			table({
				caption: t("reports.by_org"),
				columns: [
					{ label: t("reports.organisation"), key: "label" },
					{ label: t("reports.participants"), render: (x) => number(x.n) },
				],
				rows: byOrg,
				empty: t("reports.nobody"),
				rowClass: () => "by-org",
			}),
			h("p", {}, h("a", { href: `/api/reports/attendance?project=${encodeURIComponent(pick.value)}&format=csv`, download: `attendance-${pick.value}.csv` }, t("reports.csv"))),
		);
	}
	root.querySelector("#report-form").addEventListener("submit", (e) => {
		e.preventDefault();
		show();
	});
	await show();
}
