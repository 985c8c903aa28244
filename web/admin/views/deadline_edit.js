// views/deadline_edit.js - #/projects/:slug/deadlines/new (POST
// /api/deadlines) and #/deadlines/:id/edit (PATCH /api/deadlines/{id}),
// with the same zone picker and live time check as events.

import { form, h, heading, link } from "../ui.js";
import { tzPicker, watchTimes } from "../tz.js";

const KINDS = ["grant_submission", "report", "registration", "other"];
const local = (t) => (t ? String(t.local).slice(0, 16) : "");

export async function view(ctx) {
	const { root, api, t, params } = ctx;
	const editing = !!params.id;
	const d = editing ? await api.get(`/api/deadlines/${encodeURIComponent(params.id)}`) : null;
	const slug = editing ? d.project : params.slug;
	root.append(
		h("p", { class: "crumbs" }, link("/projects", t("projects.title")), " › ", link(`/projects/${encodeURIComponent(slug)}`, slug)),
		heading(editing ? t("deadline.edit_title", { title: d.title }) : t("project.new_deadline")),
	);
	const warnings = { due: h("p", { class: "warning", id: "warn-due", hidden: true, role: "note" }) };
	const f = form({
		fields: [
			{ name: "title", label: t("deadline.title"), required: true, value: d?.title },
			{ name: "kind", label: t("deadline.kind"), type: "select", value: d?.kind || "grant_submission", options: KINDS.map((k) => ({ value: k, label: t(`deadline.kind.${k}`) })) },
			{ name: "status", label: t("event.status"), type: "select", value: d?.status || "published", options: ["published", "draft", "cancelled"].map((s) => ({ value: s, label: t(`status.${s}`) })) },
			{ name: "tz", label: t("event.tz"), hint: t("event.tz_hint"), build: (id) => tzPicker(id, d?.tz || "Europe/Brussels", t) },
			{ name: "due", label: t("deadline.due"), type: "datetime-local", required: true, value: local(d?.due), after: warnings.due },
			{ name: "url", label: t("deadline.url"), type: "url", value: d?.url, hint: t("deadline.url_hint") },
			{ name: "description", label: t("event.description"), type: "textarea", value: d?.description },
		],
		submitLabel: editing ? t("form.save") : t("deadline.create"),
		onsubmit: async (v) => {
			const body = { title: v.title, kind: v.kind, status: v.status, tz: v.tz, due: v.due, url: v.url, description: v.description };
			let saved;
			if (editing) {
				const was = { title: d.title, kind: d.kind, status: d.status, tz: d.tz, due: local(d.due), url: d.url, description: d.description };
				const patch = {};
				for (const [k, val] of Object.entries(body)) if (val !== was[k]) patch[k] = val;
				saved = Object.keys(patch).length ? await api.patch(`/api/deadlines/${d.id}`, patch) : d;
			} else {
				saved = await api.post("/api/deadlines", { project: slug, ...body });
			}
			const said = [t("deadline.saved", { title: saved.title })].concat(saved.warnings || []);
			ctx.flash(said.join(" "), saved.warnings && saved.warnings.length ? "info" : "ok");
			ctx.go(`/projects/${encodeURIComponent(slug)}`);
		},
	});
	root.append(f.el);
	const check = watchTimes(f, api, t, ["due"], warnings);
	if (editing) check();
}
