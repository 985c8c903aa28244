// views/audit.js - #/audit (admins): the audit log (GET /api/audit),
// newest first, a page at a time, by account and by action: every login,
// logout and change made through the admin API, with who, how, what, from
// where and the answer's status.

import { h, heading, instant, pager, table } from "../ui.js";

const ACTIONS = ["change", "login", "login_failed", "login_throttled", "logout", "logout_everywhere"];

export async function view(ctx) {
	const { root, api, t } = ctx;
	root.append(heading(t("audit.title")));
	const filters = h(
		"form",
		{ class: "filters", id: "audit-filters" },
		h(
			"div",
			{ class: "field inline" },
			h("label", { for: "audit-actor" }, t("audit.actor")),
			h("input", { id: "audit-actor", type: "text", autocomplete: "off", spellcheck: "false" }),
		),
		h(
			"div",
			{ class: "field inline" },
			h("label", { for: "audit-action" }, t("audit.action")),
			h("select", { id: "audit-action" }, h("option", { value: "" }, t("audit.any")), ACTIONS.map((a) => h("option", { value: a }, t(`audit.action_${a}`)))),
		),
		h("button", { type: "submit" }, t("audit.apply")),
	);
	const list = h("div", { id: "audit-list" });
	root.append(filters, list);
	const value = (id) => document.getElementById(id).value.trim();
	const p = pager(list, {
		limit: 50,
		load: async (before, limit) => {
			const r = await api.get("/api/audit", { actor: value("audit-actor"), action: value("audit-action"), before, limit });
			return { items: r.entries, next_before: r.next_before };
		},
		render: (rows) =>
			table({
				caption: t("audit.caption"),
				columns: [
					{ label: t("audit.when"), render: (e) => instant(e.at) },
					{ label: t("audit.actor"), key: "actor" },
					{ label: t("audit.action"), render: (e) => t(`audit.action_${e.action}`) },
					{ label: t("audit.what"), render: (e) => (e.method ? `${e.method} ${e.path}` : "") },
					{ label: t("audit.via"), key: "via" },
					{ label: t("audit.client"), key: "client" },
					{ label: t("audit.status"), render: (e) => String(e.status ?? "") },
				],
				rows,
				empty: t("audit.none"),
				rowClass: () => "audit-row",
			}),
	});
	filters.addEventListener("submit", (e) => {
		e.preventDefault();
		p.reload();
	});
}
