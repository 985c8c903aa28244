// views/login.js - #/login: POST /api/login; a wrong name or password
// (login_failed) and the throttle (too_many_requests, with its Retry-After
// in words) are said above the form.

import { form, h, heading, waitWords } from "../ui.js";

export async function view(ctx) {
	const { root, api, t } = ctx;
	root.append(heading(t("login.title")));
	if (ctx.me) {
		root.append(
			h("p", {}, t("login.already", { name: ctx.me.name })),
			h("p", {}, h("a", { href: "#/" }, t("login.continue"))),
		);
		return;
	}
	const f = form({
		fields: [
			{ name: "name", label: t("login.name"), required: true, autocomplete: "username", attrs: { autocapitalize: "none", spellcheck: "false" } },
			{ name: "password", label: t("login.password"), type: "password", required: true, autocomplete: "current-password" },
		],
		submitLabel: t("login.submit"),
		onsubmit: async (v, f) => {
			if (!v.name || !v.password) {
				if (!v.name) f.setFieldError("name", t("login.name_required"));
				if (!v.password) f.setFieldError("password", t("login.password_required"));
				return;
			}
			let answer;
			try {
				answer = await api.post("/api/login", { name: v.name.trim(), password: v.password }, { quiet401: true });
			} catch (e) {
				f.control("password").value = "";
				if (e.code === "login_failed") e.display = t("login.failed");
				if (e.code === "too_many_requests") e.display = t("login.throttled", { wait: waitWords(e.retryAfter ?? 60) });
				e.field = null;
				throw e;
			}
			await ctx.signedIn(answer);
		},
	});
	root.append(f.el);
	f.control("name").focus();
}
