// views/registrations.js - #/events/:id/registrations: the event's seats
// and caps, its waiting list in order, every registration a page at a time
// (GET /api/events/{id}/registrations) with its answers, and the changes
// the secretariat makes: cancel (the first waiting person moves up),
// resend the person's link, correct the person's details (PATCH
// /api/registrations/{id}); and the event's check-in link for the door.

import { confirmDialog, errorText, fill, form, h, heading, link, localPages, number, pager, say, table, when } from "../ui.js";

const STATES = ["pending", "confirmed", "waitlisted", "cancelled"];
const ROLES = ["official", "elected", "other"];
const LANGS = ["en", "sv", "it", "pl", "es", "fi"];

export async function view(ctx) {
	const { root, api, t, params } = ctx;
	const id = params.id;
	const ev = await api.get(`/api/events/${encodeURIComponent(id)}`);
	root.append(
		h(
			"p",
			{ class: "crumbs" },
			link("/projects", t("projects.title")),
			" › ",
			link(`/projects/${encodeURIComponent(ev.project)}`, ev.project),
		),
		heading(t("regs.title", { title: ev.title })),
		h("p", {}, when(ev.start, { dateOnly: ev.all_day }), ev.city ? ` · ${ev.city}` : "", " · ", t(`status.${ev.status}`)),
	);
	const summary = h("div", { id: "seats" });
	const waiting = h("section", { "aria-labelledby": "waiting-heading" });
	const orgs = h("section", { "aria-labelledby": "orgs-heading" });
	const filter = h(
		"select",
		{ id: "state-filter" },
		h("option", { value: "" }, t("regs.all_states")),
		STATES.map((s) => h("option", { value: s }, t(`state.${s}`))),
	);
	const all = h("div", { id: "all-regs" });
	const door = h("section", { "aria-labelledby": "door-heading" });
	root.append(
		summary,
		waiting,
		orgs,
		h("h2", { id: "all-heading" }, t("regs.all")),
		h("div", { class: "field inline" }, h("label", { for: "state-filter" }, t("regs.show")), filter),
		all,
		door,
	);

	let regs = [];
	// The whole list (the seats by organisation and the waiting line need
	// every registration): the API's pages of 1000 until the last.
	async function everyRegistration() {
		const all = [];
		let before = null;
		do {
			const p = await api.get(`/api/events/${encodeURIComponent(id)}/registrations`, { limit: 1000, before });
			all.push(...p.registrations);
			before = p.next_before;
		} while (before != null);
		return all;
	}
	async function load() {
		const [e, r] = await Promise.all([api.get(`/api/events/${encodeURIComponent(id)}`), everyRegistration()]);
		Object.assign(ev, e);
		regs = r;
		show();
	}

	function show() {
		const c = ev.registrations;
		fill(
			summary,
			h(
				"p",
				{ class: "seats" },
				ev.capacity == null
					? t("event.seats_unlimited", { taken: number(c.confirmed) })
					: t("event.seats_of", { taken: number(c.confirmed), capacity: number(ev.capacity) }),
				" · ",
				t("regs.counts", { pending: number(c.pending), waiting: number(c.waitlisted), cancelled: number(c.cancelled) }),
				ev.org_cap ? ` · ${t("regs.org_cap", { n: number(ev.org_cap) })}` : "",
			),
		);
		const queue = regs.filter((r) => r.state === "waitlisted").sort((a, b) => a.waitlist_position - b.waitlist_position);
		fill(
			waiting,
			h("h2", { id: "waiting-heading" }, t("regs.waiting")),
			table({
				columns: [
					{ label: t("regs.position"), render: (r) => number(r.waitlist_position) },
					{ label: t("regs.name"), key: "name" },
					{ label: t("regs.organisation"), render: (r) => `${r.organisation || ""}${r.country ? ` (${r.country})` : ""}` },
					{ label: t("regs.since"), render: (r) => when({ utc: r.waitlisted_at, tz: ev.tz }) },
				],
				rows: queue,
				empty: t("regs.nobody_waiting"),
			}),
		);
		const byOrg = new Map();
		for (const r of regs) {
			if (r.state === "cancelled") continue;
			const k = r.organisation_id;
			if (!byOrg.has(k)) byOrg.set(k, { name: r.organisation, country: r.country, confirmed: 0, waiting: 0, pending: 0 });
			const o = byOrg.get(k);
			if (r.state === "confirmed") o.confirmed++;
			else if (r.state === "waitlisted") o.waiting++;
			else o.pending++;
		}
		fill(
			orgs,
			h("h2", { id: "orgs-heading" }, t("regs.by_org")),
			table({
				columns: [
					{ label: t("regs.organisation"), render: (o) => `${o.name || ""}${o.country ? ` (${o.country})` : ""}` },
					{
						label: t("regs.seats"),
						render: (o) => (ev.org_cap ? t("event.seats_of", { taken: number(o.confirmed), capacity: number(ev.org_cap) }) : number(o.confirmed)),
					},
					{ label: t("state.waitlisted"), render: (o) => number(o.waiting) },
					{ label: t("state.pending"), render: (o) => number(o.pending) },
				],
				rows: [...byOrg.values()].sort((a, b) => String(a.name).localeCompare(String(b.name))),
				empty: t("regs.none"),
			}),
		);
		showAll();
	}

	function showAll() {
		const rows = regs.filter((r) => !filter.value || r.state === filter.value);
		pager(all, {
			limit: 50,
			load: localPages(rows),
			render: (items) =>
				table({
					columns: [
						{ label: t("regs.name"), key: "name" },
						{
							label: t("regs.state"),
							render: (r) => [
								t(`state.${r.state}`),
								r.state === "waitlisted" ? ` (${number(r.waitlist_position)})` : "",
								r.mail_state && r.mail_state !== "ok" ? h("span", { class: "badge" }, t(`regs.mail_${r.mail_state}`)) : "",
							],
						},
						{ label: t("regs.email"), key: "email" },
						{ label: t("regs.organisation"), render: (r) => `${r.organisation || ""}${r.country ? ` (${r.country})` : ""}` },
						...(regs.some((r) => r.answers && Object.keys(r.answers).length) ? [{ label: t("regs.answers"), render: answers }] : []),
						{ label: t("table.actions"), render: actions },
					],
					rows: items,
					rowClass: (r) => r.state,
					empty: t("regs.none"),
				}),
		});
	}

	function answers(r) {
		const a = r.answers && typeof r.answers === "object" ? Object.entries(r.answers) : [];
		if (!a.length) return "";
		return h(
			"dl",
			{ class: "answers" },
			a.map(([k, v]) => [h("dt", {}, k), h("dd", {}, Array.isArray(v) ? v.join(", ") : typeof v === "boolean" ? t(v ? "form.yes" : "form.no") : String(v ?? ""))]),
		);
	}

	function actions(r) {
		// the visible words first, then whose (WCAG 2.5.3: the name contains the label)
		const named = (key) => ({ "aria-label": `${t(key)}: ${r.name}` });
		return h(
			"div",
			{ class: "row-actions" },
			r.state !== "cancelled"
				? h("button", { type: "button", class: "danger", dataset: { action: "cancel", reg: r.id }, ...named("regs.cancel"), onclick: () => cancel(r) }, t("regs.cancel"))
				: null,
			r.state !== "cancelled"
				? h("button", { type: "button", dataset: { action: "resend", reg: r.id }, ...named("regs.resend"), onclick: () => resend(r) }, t("regs.resend"))
				: null,
			h("button", { type: "button", dataset: { action: "correct", reg: r.id }, ...named("regs.correct"), onclick: () => correct(r) }, t("regs.correct")),
		);
	}

	async function cancel(r) {
		if (!(await confirmDialog(t("regs.cancel_confirm", { name: r.name }), { ok: t("regs.cancel"), cancel: t("dialog.keep") }))) return;
		try {
			const res = await api.post(`/api/registrations/${r.id}/cancel`, {});
			await load();
			say(res.promoted ? t("regs.cancelled_promoted", { name: r.name, n: res.promoted }) : t("regs.cancelled", { name: r.name }), "ok");
		} catch (e) {
			say(errorText(e), "error");
		}
	}

	async function resend(r) {
		try {
			await api.post(`/api/registrations/${r.id}/resend`, {});
			say(t("regs.resent", { name: r.name, email: r.email }), "ok");
		} catch (e) {
			say(errorText(e), "error");
		}
	}

	function correct(r) {
		const prev = document.activeElement;
		const dialog = h("dialog", { class: "confirm wide", "aria-labelledby": "correct-heading" });
		const close = () => {
			dialog.close();
			dialog.remove();
			if (prev && prev.focus) prev.focus();
		};
		const f = form({
			fields: [
				{ name: "name", label: t("regs.name"), required: true, value: r.name },
				{ name: "organisation", label: t("regs.organisation"), value: r.organisation },
				{ name: "country", label: t("event.country"), value: r.country, hint: t("event.country_hint"), attrs: { maxlength: 2 } },
				{ name: "role", label: t("regs.role"), type: "select", value: r.role, options: ROLES.map((x) => ({ value: x, label: t(`role.${x}`) })) },
				{ name: "language", label: t("regs.language"), type: "select", value: r.language, options: LANGS.map((x) => ({ value: x, label: t(`lang.${x}`) })) },
			],
			submitLabel: t("form.save"),
			onsubmit: async (v) => {
				const body = {};
				if (v.name !== r.name) body.name = v.name;
				if (v.organisation !== (r.organisation || "") || v.country.toUpperCase() !== (r.country || "")) {
					body.organisation = v.organisation;
					body.country = v.country.toUpperCase();
				}
				if (v.role !== r.role) body.role = v.role;
				if (v.language !== r.language) body.language = v.language;
				if (Object.keys(body).length) await api.patch(`/api/registrations/${r.id}`, body);
				close();
				await load();
				say(t("regs.corrected", { name: v.name }), "ok");
			},
		});
		f.el.querySelector(".actions").append(h("button", { type: "button", onclick: close }, t("dialog.cancel")));
		dialog.append(h("h2", { id: "correct-heading" }, t("regs.correct_title", { name: r.name })), h("p", { class: "hint" }, t("regs.correct_hint")), f.el);
		dialog.addEventListener("cancel", (e) => {
			e.preventDefault();
			close();
		});
		document.body.append(dialog);
		dialog.showModal();
		f.control("name").focus();
	}

	// the check-in link: a new secret replaces the old one
	const doorOut = h("div", { id: "checkin-link" });
	fill(
		door,
		h("h2", { id: "door-heading" }, t("door.title")),
		h("p", {}, t("door.intro")),
		h(
			"button",
			{
				type: "button",
				id: "make-checkin",
				onclick: async () => {
					if (!(await confirmDialog(t("door.replace_confirm"), { ok: t("door.make") }))) return;
					try {
						const s = await api.post(`/api/events/${encodeURIComponent(id)}/checkin-secret`, {});
						const href = new URL(s.path, location.origin).href;
						fill(doorOut, h("p", {}, t("door.once")), h("p", {}, h("a", { href, id: "checkin-href", rel: "noreferrer" }, href)));
					} catch (e) {
						say(errorText(e), "error");
					}
				},
			},
			t("door.make"),
		),
		doorOut,
	);

	filter.addEventListener("change", showAll);
	await load();
}
