// views/users.js - #/users (admins): the accounts (GET /api/users, a page
// at a time) and a form to add one (POST /api/users); #/users/:name one
// account: its role and its projects or events, disable or enable it, a
// new password, and its API tokens (shown once when made, revoked at
// once).  Every change goes to the audit log under the admin's name.

import { h, fill, form, heading, instant, link, pager, say, table, confirmDialog } from "../ui.js";

const ROLES = ["admin", "coordinator", "door"];

// "a, b c" -> ["a", "b", "c"]; numbers for events.
function list(s, numbers) {
	const out = String(s || "")
		.split(/[\s,]+/)
		.filter(Boolean);
	return numbers ? out.map(Number) : out;
}

function scope(u, t) {
	if (u.role === "coordinator") return u.projects.join(", ") || t("users.no_projects");
	if (u.role === "door") return u.events.map((e) => `#${e}`).join(", ") || t("users.no_events");
	return t("users.everything");
}

function accountFields(t, u) {
	return [
		{ name: "role", label: t("users.role"), type: "select", value: u ? u.role : "coordinator", options: ROLES.map((r) => ({ value: r, label: t(`users.role_${r}`) })) },
		{ name: "projects", label: t("users.projects"), value: u ? u.projects.join(", ") : "", hint: t("users.projects_hint") },
		{ name: "events", label: t("users.events"), value: u ? u.events.join(", ") : "", hint: t("users.events_hint") },
	];
}

async function one(ctx) {
	const { root, api, t, params } = ctx;
	const name = params.name;
	const path = `/api/users/${encodeURIComponent(name)}`;
	const u = await api.get(path);
	root.append(heading(t("users.account", { name })), h("p", {}, link("/users", t("users.back"))));
	const state = h("p", { id: "user-state" });
	const toggle = h("button", { type: "button", id: "user-toggle" });
	const showState = (x) => {
		fill(state, t("users.role_is", { role: t(`users.role_${x.role}`) }), " · ", scope(x, t), " · ", x.disabled ? t("users.disabled") : t("users.active"));
		fill(toggle, x.disabled ? t("users.enable") : t("users.disable"));
	};
	showState(u);
	toggle.addEventListener("click", async () => {
		const cur = await api.get(path);
		if (!cur.disabled && !(await confirmDialog(t("users.disable_confirm", { name }), { ok: t("users.disable") }))) return;
		const x = await api.patch(path, { disabled: !cur.disabled });
		showState(x);
		say(x.disabled ? t("users.disabled_done", { name }) : t("users.enabled_done", { name }), "ok");
	});
	root.append(state, h("p", {}, toggle));

	const edit = form({
		fields: accountFields(t, u),
		submitLabel: t("users.save"),
		onsubmit: async (v) => {
			const x = await api.patch(path, { role: v.role, projects: list(v.projects), events: list(v.events, true) });
			showState(x);
			say(t("users.saved", { name }), "ok");
		},
	});
	const pw = form({
		fields: [{ name: "password", label: t("users.new_password"), type: "password", required: true, hint: t("users.password_hint"), autocomplete: "new-password" }],
		submitLabel: t("users.set_password"),
		onsubmit: async (v, f) => {
			await api.patch(path, { password: v.password });
			f.control("password").value = "";
			say(t("users.password_set", { name }), "ok");
		},
	});
	const tokens = h("div", { id: "user-tokens" });
	const shown = h("div", { id: "token-shown", "aria-live": "polite" });
	const mk = form({
		fields: [{ name: "name", label: t("users.token_name"), required: true }],
		submitLabel: t("users.token_make"),
		onsubmit: async (v, f) => {
			const x = await api.post(`${path}/tokens`, { name: v.name });
			f.control("name").value = "";
			fill(shown, h("p", { class: "once" }, t("users.token_once")), h("p", {}, h("code", { id: "token-value" }, x.token)));
			await loadTokens();
		},
	});
	async function loadTokens() {
		const r = await api.get(`${path}/tokens`);
		fill(
			tokens,
			table({
				caption: t("users.tokens"),
				columns: [
					{ label: t("users.token_name"), key: "name" },
					{ label: t("users.token_made"), render: (x) => instant(x.created_at) },
					{ label: t("users.token_used"), render: (x) => instant(x.last_used_at) },
					{
						label: t("table.actions"),
						render: (x) =>
							x.revoked_at
								? t("users.token_revoked", { when: instant(x.revoked_at) })
								: h(
										"button",
										{
											type: "button",
											"aria-label": t("users.token_revoke_label", { name: x.name }),
											onclick: async () => {
												await api.del(`${path}/tokens/${x.id}`);
												say(t("users.token_revoked_done", { name: x.name }), "ok");
												await loadTokens();
											},
										},
										t("users.token_revoke"),
									),
					},
				],
				rows: r.tokens,
				empty: t("users.no_tokens"),
			}),
		);
	}
	root.append(
		h("h2", {}, t("users.role_and_scope")),
		edit.el,
		h("h2", {}, t("users.password")),
		pw.el,
		h("h2", {}, t("users.tokens")),
		tokens,
		shown,
		mk.el,
	);
	await loadTokens();
}

export async function view(ctx) {
	const { root, api, t, params, go, flash } = ctx;
	if (params.name) return one(ctx);
	root.append(heading(t("users.title")));
	const listEl = h("div", { id: "users-list" });
	const add = form({
		fields: [
			{ name: "name", label: t("users.name"), required: true, hint: t("users.name_hint") },
			...accountFields(t, null),
			{ name: "password", label: t("users.password"), type: "password", hint: t("users.password_hint"), autocomplete: "new-password" },
		],
		submitLabel: t("users.add"),
		onsubmit: async (v) => {
			const body = { name: v.name.trim(), role: v.role, projects: list(v.projects), events: list(v.events, true) };
			if (v.password) body.password = v.password;
			const u = await api.post("/api/users", body);
			flash(t("users.added", { name: u.name }), "ok");
			go(`/users/${encodeURIComponent(u.name)}`);
		},
	});
	root.append(listEl, h("h2", { id: "add-user" }, t("users.add_title")), add.el);
	pager(listEl, {
		limit: 50,
		load: async (before, limit) => {
			const r = await api.get("/api/users", { before, limit });
			return { items: r.users, next_before: r.next_before };
		},
		render: (rows) =>
			table({
				caption: t("users.caption"),
				columns: [
					{ label: t("users.name"), render: (u) => link(`/users/${encodeURIComponent(u.name)}`, u.name) },
					{ label: t("users.role"), render: (u) => t(`users.role_${u.role}`) },
					{ label: t("users.scope"), render: (u) => scope(u, t) },
					{ label: t("users.status"), render: (u) => (u.disabled ? t("users.disabled") : t("users.active")) },
				],
				rows,
				empty: t("users.none"),
				rowClass: () => "user-row",
			}),
	});
}
