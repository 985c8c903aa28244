// views/checkin.js - #/checkin: a door account's events (from /api/me),
// each with its check-in page (/checkin/{event}, which asks for the
// event's check-in code that the secretariat hands out) and the day's
// counts (GET /api/events/{id}/attendance).

import { h, heading, number, table, when } from "../ui.js";

export async function view(ctx) {
	const { root, api, t, me } = ctx;
	root.append(heading(t("checkin.title")), h("p", {}, t("checkin.intro")));
	const rows = [];
	for (const id of me.events || []) {
		let a = null;
		try {
			a = await api.get(`/api/events/${encodeURIComponent(id)}/attendance`);
		} catch {
			a = null;
		}
		rows.push({ id, a });
	}
	root.append(
		table({
			columns: [
				{ label: t("checkin.event"), render: (r) => t("checkin.event_n", { id: r.id }) },
				{ label: t("checkin.days"), render: (r) => (r.a && r.a.days ? r.a.days.map((d) => when({ local: d }, { dateOnly: true })).join(", ") : "") },
				{
					label: t("checkin.attended"),
					render: (r) =>
						r.a && r.a.counts
							? Object.entries(r.a.counts)
									.map(([d, c]) => `${when({ local: d }, { dateOnly: true })}: ${number(c.attended)}`)
									.join(" · ")
							: "",
				},
				{ label: t("checkin.page"), render: (r) => h("a", { href: `/checkin/${encodeURIComponent(r.id)}` }, t("checkin.open", { id: r.id })) },
			],
			rows,
			empty: t("checkin.none"),
		}),
	);
}
