// views/project.js - #/projects/:slug: a project's events (seats taken
// against capacity, the waiting list) and deadlines (GET
// /api/projects/{slug}), with links to create and edit them.

import { h, heading, link, number, table, when } from "../ui.js";

export async function view(ctx) {
	const { root, api, t, params } = ctx;
	const slug = params.slug;
	const p = await api.get(`/api/projects/${encodeURIComponent(slug)}`);
	root.append(
		h("p", { class: "crumbs" }, link("/projects", t("projects.title"))),
		heading(p.title),
		p.programme ? h("p", {}, p.programme) : null,
		h(
			"div",
			{ class: "actions" },
			link(`/projects/${encodeURIComponent(slug)}/edit`, t("project.edit"), { class: "button", id: "edit-project" }),
			link(`/projects/${encodeURIComponent(slug)}/events/new`, t("project.new_event"), { class: "button primary", id: "new-event" }),
			link(`/projects/${encodeURIComponent(slug)}/deadlines/new`, t("project.new_deadline"), { class: "button", id: "new-deadline" }),
		),
		h("h2", { id: "events-heading" }, t("project.events")),
		table({
			caption: null,
			columns: [
				{ label: t("event.title"), render: (e) => link(`/events/${e.id}/registrations`, e.title) },
				{ label: t("event.start"), render: (e) => when(e.start, { dateOnly: e.all_day }) },
				{ label: t("event.status"), render: (e) => t(`status.${e.status}`) },
				{
					label: t("event.seats"),
					render: (e) =>
						h(
							"span",
							{ class: "seats" },
							e.capacity == null
								? t("event.seats_unlimited", { taken: number(e.registrations.confirmed) })
								: t("event.seats_of", { taken: number(e.registrations.confirmed), capacity: number(e.capacity) }),
							e.registrations.waitlisted ? ` · ${t("event.waiting_n", { n: number(e.registrations.waitlisted) })}` : "",
						),
				},
				{ label: t("table.actions"), render: (e) => link(`/events/${e.id}/edit`, t("event.edit_short"), { "aria-label": `${t("event.edit_short")}: ${e.title}` }) },
			],
			rows: p.events,
			empty: t("project.no_events"),
		}),
		h("h2", {}, t("project.deadlines")),
		table({
			columns: [
				{ label: t("deadline.title"), key: "title" },
				{ label: t("deadline.kind"), render: (d) => t(`deadline.kind.${d.kind}`) },
				{ label: t("deadline.due"), render: (d) => when(d.due) },
				{ label: t("event.status"), render: (d) => t(`status.${d.status}`) },
				{ label: t("table.actions"), render: (d) => link(`/deadlines/${d.id}/edit`, t("event.edit_short"), { "aria-label": `${t("event.edit_short")}: ${d.title}` }) },
			],
			rows: p.deadlines,
			empty: t("project.no_deadlines"),
		}),
	);
}
