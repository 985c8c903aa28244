// views/event_edit.js - #/projects/:slug/events/new (POST /api/events) and
// #/events/:id/edit (PATCH /api/events/{id}, only what changed).  The zone
// comes from the picker (tz.js); each time is checked by the API as it is
// typed (GET /api/local-time): a time in a DST gap shows the API's own
// refusal next to its field, a repeated hour its warning.

import { form, h, heading, link } from "../ui.js";
import { tzPicker, watchTimes } from "../tz.js";

const KINDS = ["meeting", "seminar", "workshop", "study_visit", "conference"];
const TIMES = ["start", "end", "reg_opens", "reg_closes"];

// "2027-03-28T10:00:00" -> "2027-03-28T10:00" (datetime-local's form)
const local = (t, dateOnly) => (t ? String(t.local).slice(0, dateOnly ? 10 : 16) : "");

export async function view(ctx) {
	const { root, api, t, params } = ctx;
	const editing = !!params.id;
	const e = editing ? await api.get(`/api/events/${encodeURIComponent(params.id)}`) : null;
	const slug = editing ? e.project : params.slug;
	root.append(
		h("p", { class: "crumbs" }, link("/projects", t("projects.title")), " › ", link(`/projects/${encodeURIComponent(slug)}`, slug)),
		heading(editing ? t("event.edit_title", { title: e.title }) : t("project.new_event")),
	);
	if (editing && e.status === "cancelled") {
		root.append(h("p", {}, t("event.cancelled_readonly")));
		return;
	}
	const warnings = {};
	const warn = (name) => (warnings[name] = h("p", { class: "warning", id: `warn-${name}`, hidden: true, role: "note" }));
	const allDay = editing ? e.all_day : false;
	const dt = allDay ? "date" : "datetime-local";
	const fields = [
		{ name: "title", label: t("event.title"), required: true, value: e?.title },
		{ name: "kind", label: t("event.kind"), type: "select", value: e?.kind || "seminar", options: KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) })) },
		{ name: "status", label: t("event.status"), type: "select", value: e?.status || "draft", options: ["draft", "published"].map((s) => ({ value: s, label: t(`status.${s}`) })) },
		{ name: "tz", label: t("event.tz"), hint: t("event.tz_hint"), build: (id) => tzPicker(id, e?.tz || "Europe/Brussels", t) },
		{ name: "all_day", label: t("event.all_day"), type: "checkbox", value: allDay },
		{ name: "start", label: t("event.start"), type: dt, required: true, value: local(e?.start, allDay), after: warn("start") },
		{ name: "end", label: t("event.end"), type: dt, required: true, value: local(e?.end, allDay), after: warn("end"), hint: t("event.end_hint") },
		{ name: "venue", label: t("event.venue"), value: e?.venue },
		{ name: "city", label: t("event.city"), value: e?.city },
		{ name: "country", label: t("event.country"), value: e?.country || "", hint: t("event.country_hint"), attrs: { maxlength: 2, autocapitalize: "characters" } },
		{ name: "capacity", label: t("event.capacity"), type: "number", value: e?.capacity ?? "", hint: t("event.capacity_hint"), attrs: { min: 0, inputmode: "numeric" } },
		{ name: "org_cap", label: t("event.org_cap"), type: "number", value: e?.org_cap ?? "", hint: t("event.org_cap_hint"), attrs: { min: 1, inputmode: "numeric" } },
		{ name: "reg_opens", label: t("event.reg_opens"), type: "datetime-local", value: local(e?.reg_opens), after: warn("reg_opens") },
		{ name: "reg_closes", label: t("event.reg_closes"), type: "datetime-local", value: local(e?.reg_closes), after: warn("reg_closes"), hint: t("event.reg_closes_hint") },
		{ name: "description", label: t("event.description"), type: "textarea", value: e?.description },
	];
	const f = form({
		fields,
		submitLabel: editing ? t("form.save") : t("event.create"),
		onsubmit: async (v) => {
			const body = {
				title: v.title,
				kind: v.kind,
				status: v.status,
				tz: v.tz,
				all_day: v.all_day,
				start: v.start,
				end: v.end,
				venue: v.venue,
				city: v.city,
				country: v.country ? v.country.toUpperCase() : null,
				capacity: v.capacity === "" ? null : Number(v.capacity),
				org_cap: v.org_cap === "" ? null : Number(v.org_cap),
				reg_opens: v.reg_opens || null,
				reg_closes: v.reg_closes || null,
				description: v.description,
			};
			let saved;
			if (editing) {
				const was = {
					title: e.title,
					kind: e.kind,
					status: e.status,
					tz: e.tz,
					all_day: e.all_day,
					start: local(e.start, e.all_day),
					end: local(e.end, e.all_day),
					venue: e.venue,
					city: e.city,
					country: e.country,
					capacity: e.capacity,
					org_cap: e.org_cap,
					reg_opens: local(e.reg_opens) || null,
					reg_closes: local(e.reg_closes) || null,
					description: e.description,
				};
				const patch = {};
				for (const [k, val] of Object.entries(body)) if (val !== was[k]) patch[k] = val;
				if (patch.all_day !== undefined || patch.start !== undefined || patch.end !== undefined) {
					patch.start = body.start;
					patch.end = body.end;
				}
				saved = Object.keys(patch).length ? await api.patch(`/api/events/${e.id}`, patch) : e;
			} else {
				for (const k of ["country", "capacity", "org_cap", "reg_opens", "reg_closes"]) if (body[k] === null) delete body[k];
				saved = await api.post("/api/events", { project: slug, ...body });
			}
			const said = [t("event.saved", { title: saved.title })].concat(saved.warnings || []);
			ctx.flash(said.join(" "), saved.warnings && saved.warnings.length ? "info" : "ok");
			ctx.go(`/projects/${encodeURIComponent(slug)}`);
		},
	});
	root.append(f.el);
	const check = watchTimes(f, api, t, TIMES, warnings);
	f.control("all_day").addEventListener("change", (ev) => {
		for (const n of ["start", "end"]) {
			const c = f.control(n);
			const old = c.value;
			c.type = ev.target.checked ? "date" : "datetime-local";
			c.value = ev.target.checked ? old.slice(0, 10) : old ? `${old.slice(0, 10)}T09:00` : "";
		}
		check();
	});
	if (editing) check();
}
