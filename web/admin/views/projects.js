// views/projects.js - #/projects: the projects the account may see
// (GET /api/projects), each linking to its events and deadlines; admins
// may create one.

import { h, heading, link, table } from "../ui.js";

export async function view(ctx) {
	const { root, api, t, me } = ctx;
	root.append(heading(t("projects.title")));
	const list = await api.get("/api/projects");
	if (me.role === "admin")
		root.append(h("p", {}, link("/projects/new", t("projects.new"), { class: "button primary", id: "new-project" })));
	root.append(
		table({
			caption: t("projects.caption"),
			columns: [
				{ label: t("projects.project"), render: (p) => link(`/projects/${encodeURIComponent(p.slug)}`, p.title) },
				{ label: t("projects.slug"), key: "slug" },
				{ label: t("projects.programme"), key: "programme" },
				{ label: t("projects.language"), render: (p) => t(`lang.${p.language}`) },
			],
			rows: list,
			empty: t("projects.none"),
		}),
	);
}
