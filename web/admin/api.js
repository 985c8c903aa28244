// api.js - the console's one way to the JSON API (/api/...).  Sends the
// session cookie (credentials same-origin) and, on every request that is
// not GET or HEAD, the X-CSRF-Token the login answered (kept in this tab's
// sessionStorage).  An error answer becomes an ApiError carrying the API's
// code, message, field (fields: {field: message}) and Retry-After; a 401
// (the session ended) calls the handler set with onUnauthorized, which
// shows the login screen.

const CSRF_KEY = "convened.csrf";

export class ApiError extends Error {
	constructor(status, code, message, field, retryAfter) {
		super(message);
		this.status = status; // 0: no answer (network)
		this.code = code; // "invalid_value", "login_failed", ...
		this.field = field || null;
		this.fields = field ? { [field]: message } : {};
		this.retryAfter = retryAfter == null ? null : Number(retryAfter);
	}
}

let unauthorized = null;

// fn(error) is called on a 401 from any request but those made with
// {quiet401: true} (the login itself).
export function onUnauthorized(fn) {
	unauthorized = fn;
}

export function setCsrf(token) {
	if (token) sessionStorage.setItem(CSRF_KEY, token);
	else sessionStorage.removeItem(CSRF_KEY);
}

function csrf() {
	const kept = sessionStorage.getItem(CSRF_KEY);
	if (kept) return kept;
	// a new tab of a live session: the cookie the login set for the script
	const m = /(?:^|;\s*)convened_csrf=([^;]+)/.exec(document.cookie);
	return m ? decodeURIComponent(m[1]) : null;
}

// "/api/x" plus the defined values of QUERY as a query string.
export function url(path, query) {
	if (!query) return path;
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(query))
		if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
	const s = q.toString();
	return s ? `${path}?${s}` : path;
}

// request(method, path, body?, opts?) -> the answer's JSON (null when
// empty), or throws ApiError.
export async function request(method, path, body, opts = {}) {
	const headers = { Accept: "application/json" };
	if (body !== undefined) headers["Content-Type"] = "application/json";
	if (method !== "GET" && method !== "HEAD") {
		const c = csrf();
		if (c) headers["X-CSRF-Token"] = c;
	}
	let res;
	try {
		res = await fetch(path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: "same-origin",
			cache: "no-store",
		});
	} catch (e) {
		throw new ApiError(0, "network", String(e.message || e), null, null);
	}
	const text = await res.text();
	let data = null;
	if (text) {
		try {
			data = JSON.parse(text);
		} catch {
			data = null;
		}
	}
	if (!res.ok) {
		const e = (data && data.error) || {};
		const err = new ApiError(
			res.status,
			e.code || `http_${res.status}`,
			e.message || res.statusText,
			e.field,
			res.headers.get("Retry-After"),
		);
		if (res.status === 401 && !opts.quiet401 && unauthorized) unauthorized(err);
		throw err;
	}
	return data;
}

export const api = {
	get: (path, query, opts) => request("GET", url(path, query), undefined, opts),
	post: (path, body, opts) => request("POST", path, body === undefined ? {} : body, opts),
	patch: (path, body, opts) => request("PATCH", path, body, opts),
	put: (path, body, opts) => request("PUT", path, body, opts),
	del: (path, opts) => request("DELETE", path, undefined, opts),
};
