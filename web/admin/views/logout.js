// views/logout.js - #/logout: end this session (POST /api/logout) or every
// session of the account (POST /api/logout-everywhere, after a question).

import { confirmDialog, errorText, h, heading, say } from "../ui.js";

export async function view(ctx) {
	const { root, api, t } = ctx;
	root.append(heading(t("logout.title")), h("p", {}, t("logout.intro", { name: ctx.me.name })));
	async function end(path) {
		try {
			const r = await api.post(path, {});
			ctx.signedOut();
			root.replaceChildren(
				heading(t("logout.done_title")),
				h("p", {}, path.endsWith("everywhere") ? t("logout.done_everywhere", { n: r ? r.ended : 0 }) : t("logout.done")),
				h("p", {}, h("a", { href: "#/login" }, t("logout.sign_in_again"))),
			);
			say(t("logout.done"), "ok");
		} catch (e) {
			say(errorText(e), "error");
		}
	}
	root.append(
		h(
			"div",
			{ class: "actions" },
			h("button", { type: "button", class: "primary", id: "logout", onclick: () => end("/api/logout") }, t("logout.here")),
			h(
				"button",
				{
					type: "button",
					id: "logout-everywhere",
					onclick: async () => {
						if (await confirmDialog(t("logout.everywhere_confirm"), { ok: t("logout.everywhere") }))
							end("/api/logout-everywhere");
					},
				},
				t("logout.everywhere"),
			),
		),
	);
}
