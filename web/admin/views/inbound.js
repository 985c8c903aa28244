// views/inbound.js - #/inbound: the mail that came back (GET /api/inbound),
// newest first, a page at a time, by class and decision: what the parser
// found, what was decided and why, and whom it concerns; #/inbound/:id one
// message (GET /api/inbound/{id}) with what the parser found and a link to
// its raw source (GET /api/inbound/{id}/raw).

import { h, heading, instant, link, number, pager, table } from "../ui.js";

const CLASSES = ["human", "imip_reply", "imip_counter", "imip_other", "auto_reply", "dsn_failed", "dsn_delayed", "dsn_success", "malformed"];

function about(m) {
	return [m.person ? m.person.name || m.person.email : "", m.event ? ` · ${m.event.title}` : ""].join("");
}

async function one(ctx) {
	const { root, api, t, params } = ctx;
	const m = await api.get(`/api/inbound/${encodeURIComponent(params.id)}`);
	root.append(
		heading(t("inbound.message", { id: m.id })),
		h("p", {}, link("/inbound", t("inbound.back"))),
		h(
			"dl",
			{ class: "facts" },
			[
				[t("inbound.received"), instant(m.received_at)],
				[t("inbound.from"), m.from || m.mail_from || ""],
				[t("inbound.to"), m.rcpt],
				[t("inbound.subject"), m.subject || ""],
				[t("inbound.class"), m.class],
				[t("inbound.decision"), m.decision || t("inbound.undecided")],
				[t("inbound.reason"), m.reason || ""],
				[t("inbound.person"), m.person ? `${m.person.name || ""} <${m.person.email || ""}>` : t("inbound.nobody")],
				[t("inbound.event"), m.event ? m.event.title : t("inbound.nobody")],
				[t("inbound.size"), number(m.size || 0)],
			].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
		),
		m.raw_kept
			? h("p", {}, h("a", { href: `/api/inbound/${m.id}/raw`, id: "inbound-raw", download: `inbound-${m.id}.eml` }, t("inbound.raw")))
			: h("p", {}, t("inbound.raw_not_kept")),
		h("h2", {}, t("inbound.facts")),
		h("pre", { class: "facts-json", tabindex: "0", "aria-label": t("inbound.facts") }, JSON.stringify(m.facts, null, 2)),
	);
}

export async function view(ctx) {
	const { root, api, t, params } = ctx;
	if (params.id) return one(ctx);
	root.append(heading(t("inbound.title")));
	const filters = h(
		"form",
		{ class: "filters", id: "inbound-filters" },
		h(
			"div",
			{ class: "field inline" },
			h("label", { for: "inbound-class" }, t("inbound.class")),
			h("select", { id: "inbound-class" }, h("option", { value: "" }, t("inbound.any")), CLASSES.map((c) => h("option", { value: c }, c.replaceAll("_", " ")))),
		),
		h(
			"div",
			{ class: "field inline" },
			h("label", { for: "inbound-decision" }, t("inbound.decision")),
			h("input", { id: "inbound-decision", type: "text", spellcheck: "false", autocomplete: "off" }),
		),
		h("button", { type: "submit" }, t("inbound.apply")),
	);
	const list = h("div", { id: "inbound-list" });
	root.append(filters, list);
	const value = (id) => document.getElementById(id).value.trim();
	const p = pager(list, {
		limit: 50,
		load: async (before, limit) => {
			const r = await api.get("/api/inbound", { class: value("inbound-class"), decision: value("inbound-decision"), before, limit });
			return { items: r.inbound, next_before: r.next_before };
		},
		render: (rows) =>
			table({
				caption: t("inbound.caption"),
				columns: [
					{ label: t("inbound.message_col"), render: (m) => link(`/inbound/${m.id}`, t("inbound.message", { id: m.id })) },
					{ label: t("inbound.received"), render: (m) => instant(m.received_at) },
					{ label: t("inbound.from"), render: (m) => m.from || m.mail_from || "" },
					{ label: t("inbound.subject"), render: (m) => m.subject || "" },
					{ label: t("inbound.class"), render: (m) => m.class.replaceAll("_", " ") },
					{ label: t("inbound.decision"), render: (m) => h("span", { class: "decision" }, m.decision || t("inbound.undecided")) },
					{ label: t("inbound.reason"), key: "reason" },
					{ label: t("inbound.about"), render: about },
				],
				rows,
				empty: t("inbound.none"),
				rowClass: () => "inbound-row",
			}),
	});
	filters.addEventListener("submit", (e) => {
		e.preventDefault();
		p.reload();
	});
}
