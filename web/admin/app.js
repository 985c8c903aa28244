// app.js - the console's frame: who is signed in (GET /api/me), the menu
// for that role, the language, and the router on location.hash that loads
// views/NAME.js and calls its view(ctx) with
//   ctx = {root, api, t, params, go, me}
// root: the element to fill; api: api.js's get/post/patch/put/del;
// t(key, vars): catalogue words; params: the route's :captures; go(hash):
// navigate; me: the account (/api/me), null on public screens; and
// flash(message, kind) to say something on the screen go() leads to.

import { api, ApiError, onUnauthorized, setCsrf } from "./api.js";
import { chooseLang, currentLang, LANGS, loadLang, pickLang, t, translate } from "./i18n.js";
import { allowed, home, match, routes } from "./routes.js";
import { fill, h, say } from "./ui.js";

const state = { me: null, seq: 0, flash: null, shown: false };

function go(hash) {
	const target = hash.startsWith("#") ? hash : `#${hash}`;
	if (location.hash === target) render();
	else location.hash = target;
}

// The signed-in account, or null.
async function whoami() {
	try {
		return await api.get("/api/me", null, { quiet401: true });
	} catch (e) {
		if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
		throw e;
	}
}

function menu() {
	const list = document.getElementById("navlist");
	const items = routes.filter((r) => r.nav && allowed(r, state.me));
	const here = (location.hash || "").slice(1);
	fill(
		list,
		items.map((r) =>
			h(
				"li",
				{},
				h("a", { href: `#${r.path}`, "aria-current": here.startsWith(r.path) ? "page" : null }, t(r.nav)),
			),
		),
		state.me
			? [
					h("li", { class: "who" }, t("nav.signed_in_as", { name: state.me.name })),
					h("li", {}, h("a", { href: "#/logout" }, t("nav.logout"))),
				]
			: null,
		h(
			"li",
			{ class: "lang" },
			h("label", { for: "lang-select" }, t("nav.language")),
			h(
				"select",
				{
					id: "lang-select",
					onchange: async (e) => {
						chooseLang(e.target.value);
						await loadLang(e.target.value);
						translate(document);
						render();
					},
				},
				LANGS.map((l) => h("option", { value: l, selected: l === currentLang(), lang: l }, t(`lang.${l}`))),
			),
		),
	);
	document.getElementById("nav").setAttribute("aria-label", t("nav.label"));
}

async function render() {
	const seq = ++state.seq;
	const root = document.getElementById("main");
	const path = (location.hash || "").replace(/^#/, "");
	if (!path.startsWith("/")) {
		go(state.me ? home[state.me.role] || "/projects" : "/login");
		return;
	}
	const m = match(path.split("?")[0]);
	if (!m) {
		fill(root, h("h1", {}, t("app.not_found")));
		return;
	}
	if (!m.route.public && !state.me) {
		state.me = await whoami();
		if (!state.me) {
			sessionStorage.setItem("convened.after_login", path);
			go("/login");
			return;
		}
	}
	if (!allowed(m.route, state.me)) {
		fill(root, h("h1", {}, t("app.forbidden")));
		menu();
		return;
	}
	menu();
	closeMenu();
	let mod;
	try {
		mod = await import(`./views/${m.route.view}.js`);
	} catch (e) {
		if (seq === state.seq) fill(root, h("h1", {}, t("app.unavailable")), h("p", {}, String(e.message || e)));
		return;
	}
	if (seq !== state.seq) return;
	root.replaceChildren();
	const ctx = {
		root,
		api,
		t,
		params: m.params,
		go,
		me: state.me,
		// flash(message, kind): say it on the next screen (after go)
		flash: (message, kind = "ok") => {
			state.flash = [message, kind];
		},
		// the frame's own needs, for login and logout
		signedIn: async (answer) => {
			setCsrf(answer.csrf_token);
			state.me = await whoami();
			const after = sessionStorage.getItem("convened.after_login");
			sessionStorage.removeItem("convened.after_login");
			go(after && after !== "/login" && after !== "/logout" ? after : home[state.me?.role] || "/projects");
		},
		signedOut: () => {
			setCsrf(null);
			state.me = null;
			menu();
		},
	};
	try {
		await mod.view(ctx);
	} catch (e) {
		if (e instanceof ApiError && e.status === 401) return; // the login screen took over
		if (seq !== state.seq) return;
		root.append(h("p", { class: "error", role: "alert" }, e.message || String(e)));
	}
	// after a navigation, focus goes to the new screen (a screen reader
	// reads it); on the first load it stays at the top, where Tab finds
	// the skip link first
	if (seq === state.seq && state.shown && document.activeElement === document.body) root.focus({ preventScroll: true });
	if (seq === state.seq) state.shown = true;
}

function closeMenu() {
	const b = document.getElementById("menu");
	b.setAttribute("aria-expanded", "false");
	document.getElementById("nav").classList.remove("open");
}

async function start() {
	onUnauthorized(() => {
		setCsrf(null);
		state.me = null;
		state.flash = [t("login.expired"), "info"];
		const path = (location.hash || "").replace(/^#/, "");
		if (path !== "/login") sessionStorage.setItem("convened.after_login", path);
		go("/login");
	});
	state.me = await whoami().catch(() => null);
	await loadLang(pickLang(state.me && state.me.language));
	translate(document);
	const menuButton = document.getElementById("menu");
	menuButton.addEventListener("click", () => {
		const open = menuButton.getAttribute("aria-expanded") !== "true";
		menuButton.setAttribute("aria-expanded", String(open));
		document.getElementById("nav").classList.toggle("open", open);
	});
	// the skip link moves focus without touching the route
	document.getElementById("skip").addEventListener("click", (e) => {
		e.preventDefault();
		document.getElementById("main").focus();
	});
	window.addEventListener("hashchange", () => {
		const [msg, kind] = state.flash || ["", "info"];
		state.flash = null;
		say(msg, kind);
		render();
	});
	render();
}

start();
