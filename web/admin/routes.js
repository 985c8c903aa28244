// routes.js - every screen of the console: its route (location.hash
// "#/events/42/registrations" matches "/events/:id/registrations"), its
// view module (views/NAME.js, loaded when first shown), who may see it,
// and, for the menu, its nav key (in the catalogues) and position.
// roles: the account roles that may open it ("admin", "coordinator",
// "door"); omitted: any signed-in account.  public: no sign-in needed.
// A screen another module adds is one line here and one file in views/.

export const routes = [
	{ path: "/login", view: "login", public: true },
	{ path: "/logout", view: "logout" },
	{ path: "/projects", view: "projects", roles: ["admin", "coordinator"], nav: "nav.projects" },
	{ path: "/projects/new", view: "project_edit", roles: ["admin"] },
	{ path: "/projects/:slug", view: "project", roles: ["admin", "coordinator"] },
	{ path: "/projects/:slug/edit", view: "project_edit", roles: ["admin", "coordinator"] },
	{ path: "/projects/:slug/events/new", view: "event_edit", roles: ["admin", "coordinator"] },
	{ path: "/projects/:slug/deadlines/new", view: "deadline_edit", roles: ["admin", "coordinator"] },
	{ path: "/events/:id/edit", view: "event_edit", roles: ["admin", "coordinator"] },
	{ path: "/deadlines/:id/edit", view: "deadline_edit", roles: ["admin", "coordinator"] },
	{ path: "/events/:id/registrations", view: "registrations", roles: ["admin", "coordinator"] },
	{ path: "/checkin", view: "checkin", roles: ["door"], nav: "nav.checkin" },
	// the screens of console2 (views/outbox.js, inbound.js, reports.js,
	// users.js, audit.js)
	{ path: "/outbox", view: "outbox", roles: ["admin"], nav: "nav.outbox" },
	{ path: "/inbound", view: "inbound", roles: ["admin"], nav: "nav.inbound" },
	{ path: "/inbound/:id", view: "inbound", roles: ["admin"] },
	{ path: "/reports", view: "reports", roles: ["admin", "coordinator"], nav: "nav.reports" },
	{ path: "/users", view: "users", roles: ["admin"], nav: "nav.users" },
	{ path: "/users/:name", view: "users", roles: ["admin"] },
	{ path: "/audit", view: "audit", roles: ["admin"], nav: "nav.audit" },
];

// The first screen of each role.
export const home = { admin: "/projects", coordinator: "/projects", door: "/checkin" };

// {route, params} for PATH ("/events/42/registrations"), or null.
export function match(path) {
	const parts = path.split("/").filter(Boolean);
	for (const route of routes) {
		const pat = route.path.split("/").filter(Boolean);
		if (pat.length !== parts.length) continue;
		const params = {};
		let ok = true;
		for (let i = 0; i < pat.length && ok; i++) {
			if (pat[i].startsWith(":")) params[pat[i].slice(1)] = decodeURIComponent(parts[i]);
			else ok = pat[i] === parts[i];
		}
		if (ok) return { route, params };
	}
	return null;
}

export function allowed(route, me) {
	if (route.public) return true;
	if (!me) return false;
	return !route.roles || route.roles.includes(me.role);
}
