// views/project_edit.js - #/projects/new (POST /api/projects) and
// #/projects/:slug/edit (PATCH /api/projects/{slug}).

import { LANGS } from "../i18n.js";
import { form, h, heading, link } from "../ui.js";

export async function view(ctx) {
	const { root, api, t, params } = ctx;
	const editing = !!params.slug;
	const p = editing ? await api.get(`/api/projects/${encodeURIComponent(params.slug)}`) : {};
	root.append(
		h("p", { class: "crumbs" }, link("/projects", t("projects.title"))),
		heading(editing ? t("project.edit_title", { title: p.title }) : t("projects.new")),
	);
	const fields = [
		...(editing ? [] : [{ name: "slug", label: t("project.slug"), required: true, hint: t("project.slug_hint"), attrs: { autocapitalize: "none", spellcheck: "false" } }]),
		{ name: "title", label: t("project.title_label"), required: true, value: p.title },
		{ name: "programme", label: t("project.programme"), value: p.programme, hint: t("project.programme_hint") },
		{ name: "language", label: t("project.language"), type: "select", value: p.language || "en", hint: t("project.language_hint"), options: LANGS.map((l) => ({ value: l, label: t(`lang.${l}`) })) },
		{ name: "description", label: t("project.description"), type: "textarea", value: p.description },
	];
	const f = form({
		fields,
		submitLabel: editing ? t("form.save") : t("projects.create"),
		onsubmit: async (v) => {
			let saved;
			if (editing) {
				const body = {};
				for (const k of ["title", "programme", "language", "description"]) if (v[k] !== (p[k] ?? "")) body[k] = v[k];
				saved = Object.keys(body).length ? await api.patch(`/api/projects/${encodeURIComponent(params.slug)}`, body) : p;
			} else {
				saved = await api.post("/api/projects", v);
			}
			ctx.flash(t("project.saved", { title: saved.title }));
			ctx.go(`/projects/${encodeURIComponent(saved.slug)}`);
		},
	});
	root.append(f.el);
}
