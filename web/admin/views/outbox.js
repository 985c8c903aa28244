// views/outbox.js - #/outbox: the notifications (GET /api/outbox), newest
// first, a page at a time, filtered by state, kind and event; what failed
// and why, and "send again" for a failed one (POST /api/outbox/{id}/retry).

import { h, heading, instant, number, pager, say, table, errorText } from "../ui.js";

const STATES = ["pending", "sending", "sent", "failed", "cancelled"];
const KINDS = [
	"registration_confirm_request",
	"registration_confirmed",
	"registration_waitlisted",
	"registration_promoted",
	"registration_cancelled",
	"event_reminder",
	"event_updated",
	"event_cancelled",
	"deadline_reminder",
	"inbound_forward",
	"follow_confirm_request",
	"attendance_certificate",
];

function select(id, label, options, all) {
	return h(
		"div",
		{ class: "field inline" },
		h("label", { for: id }, label),
		h("select", { id, name: id }, h("option", { value: "" }, all), options.map(([v, l]) => h("option", { value: v }, l))),
	);
}

export async function view(ctx) {
	const { root, api, t } = ctx;
	root.append(heading(t("outbox.title")));
	const filters = h(
		"form",
		{ class: "filters", id: "outbox-filters" },
		select("outbox-state", t("outbox.state"), STATES.map((s) => [s, t(`outbox.state_${s}`)]), t("outbox.any")),
		select("outbox-kind", t("outbox.kind"), KINDS.map((k) => [k, k.replaceAll("_", " ")]), t("outbox.any")),
		h(
			"div",
			{ class: "field inline" },
			h("label", { for: "outbox-event" }, t("outbox.event")),
			h("input", { id: "outbox-event", name: "event", type: "number", min: "1", inputmode: "numeric" }),
		),
		h("button", { type: "submit" }, t("outbox.apply")),
	);
	const list = h("div", { id: "outbox-list", "aria-live": "polite" });
	root.append(filters, list);
	const value = (id) => document.getElementById(id).value;

	const p = pager(list, {
		limit: 50,
		load: async (before, limit) => {
			const r = await api.get("/api/outbox", {
				state: value("outbox-state"),
				kind: value("outbox-kind"),
				event: value("outbox-event"),
				before,
				limit,
			});
			return { items: r.outbox, next_before: r.next_before };
		},
		render: (rows) =>
			table({
				caption: t("outbox.caption"),
				columns: [
					{ label: t("outbox.id"), render: (o) => `#${o.id}` },
					{ label: t("outbox.kind"), render: (o) => o.kind.replaceAll("_", " ") },
					{ label: t("outbox.recipient"), key: "recipient" },
					{ label: t("outbox.state"), render: (o) => h("span", { class: `state state-${o.state}` }, t(`outbox.state_${o.state}`)) },
					{ label: t("outbox.attempts"), render: (o) => number(o.attempts) },
					{ label: t("outbox.when"), render: (o) => instant(o.sent_at || o.next_attempt_at || o.due_at) },
					{ label: t("outbox.error"), render: (o) => (o.last_error ? h("span", { class: "error-text" }, o.last_error) : "") },
					{
						label: t("table.actions"),
						render: (o) =>
							o.state === "failed"
								? h(
										"button",
										{
											type: "button",
											class: "retry",
											"data-id": o.id,
											"aria-label": t("outbox.retry_label", { id: o.id }),
											onclick: () => retry(o),
										},
										t("outbox.retry"),
									)
								: "",
					},
				],
				rows,
				empty: t("outbox.none"),
				rowClass: (o) => `outbox-row state-${o.state}`,
			}),
	});

	async function retry(o) {
		try {
			await api.post(`/api/outbox/${o.id}/retry`, {});
			say(t("outbox.retried", { id: o.id }), "ok");
		} catch (e) {
			say(errorText(e), "error");
		}
		await p.reload();
	}

	filters.addEventListener("submit", (e) => {
		e.preventDefault();
		p.reload();
	});
}
