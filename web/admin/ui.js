// ui.js - the console's shared pieces, built with the DOM (never from HTML
// strings, so nothing from the API is ever read as markup): h() for
// elements, a status region, tables that become stacked rows on a phone,
// paging by the API's before/limit, forms whose errors stand next to their
// fields (aria-invalid, aria-describedby), a confirm dialog, and dates in
// the UI's language and the item's own zone.

import { currentLang, t } from "./i18n.js";

// h("p", {class: "x", onclick: fn}, "text", child, [more]) -> element.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
		else if (k === "class") el.className = v;
		else if (k === "dataset") Object.assign(el.dataset, v);
		else if (v === true) el.setAttribute(k, "");
		else el.setAttribute(k, String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

// Empty EL and put CHILDREN in it.
export function fill(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

// ---- the status region (role=status, in index.html) ----

// say(message, kind): kind "ok" | "error" | "info"; "" clears.
export function say(message, kind = "info") {
	const el = document.getElementById("status");
	if (!el) return;
	el.className = `status ${message ? kind : ""}`;
	el.textContent = message || "";
}

// The words for an API error that belongs to no field.
export function errorText(err) {
	if (!err) return "";
	if (err.display) return err.display; // words a view chose for this error
	if (err.code === "network") return t("error.network");
	if (err.code === "too_many_requests" && err.retryAfter != null)
		return t("error.too_many_requests", { wait: waitWords(err.retryAfter) });
	const known = t(`error.${err.code}`);
	return known !== `error.${err.code}` && !err.message ? known : err.message || known;
}

// "in 5 minutes" / "in 30 seconds" in the UI's language.
export function waitWords(seconds) {
	const rtf = new Intl.RelativeTimeFormat(currentLang(), { numeric: "always" });
	const s = Math.max(1, Math.round(Number(seconds) || 0));
	if (s >= 5400) return rtf.format(Math.round(s / 3600), "hour");
	if (s >= 90) return rtf.format(Math.round(s / 60), "minute");
	return rtf.format(s, "second");
}

// ---- dates ----

// An API time {local, tz, utc} shown in the UI's language, in the item's
// zone, with the zone's name: "28 Mar 2027, 10:00 EEST (Europe/Helsinki)".
export function when(time, opts = {}) {
	if (!time) return "";
	if (opts.dateOnly)
		return new Intl.DateTimeFormat(currentLang(), { dateStyle: "medium", timeZone: "UTC" }).format(
			new Date(`${String(time.local).slice(0, 10)}T00:00:00Z`),
		);
	if (!time.utc) return "";
	const tz = time.tz || "UTC";
	const s = new Intl.DateTimeFormat(currentLang(), {
		year: "numeric",
		month: "short",
		day: "numeric",
		hour: "2-digit",
		minute: "2-digit",
		timeZone: tz,
		timeZoneName: "short",
	}).format(new Date(time.utc));
	return `${s} (${tz})`;
}

// An instant ("2026-12-03T13:20:07Z") in the reader's own zone.
export function instant(utc) {
	if (!utc) return "";
	return new Intl.DateTimeFormat(currentLang(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(utc));
}

export function number(n) {
	return new Intl.NumberFormat(currentLang()).format(n);
}

// ---- tables ----

// table({caption, columns: [{key, label, render?(row)}], rows, empty})
// A real table; on a phone each row stacks with its column names
// (data-label, shown by style.css).
export function table({ caption, columns, rows, empty, rowClass }) {
	if (!rows.length) return h("p", { class: "empty" }, empty || t("table.empty"));
	return h(
		"div",
		{ class: "table-wrap" },
		h(
			"table",
			{ class: "stack" },
			caption ? h("caption", {}, caption) : null,
			h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
			h(
				"tbody",
				{},
				rows.map((r) =>
					h(
						"tr",
						{ class: rowClass ? rowClass(r) : null },
						columns.map((c, i) =>
							h(
								i === 0 ? "th" : "td",
								{ "data-label": c.label, ...(i === 0 ? { scope: "row" } : {}) },
								c.render ? c.render(r) : r[c.key] ?? "",
							),
						),
					),
				),
			),
		),
	);
}

// pager(el, {load(before, limit) -> {items, next_before}, render(items) ->
// node, limit}): a page at a time by the API's before/limit, with "older"
// and "newest" buttons.  Returns {reload()}.
export function pager(el, { load, render, limit = 50 }) {
	const stack = [];
	let before = null;
	async function show() {
		let page;
		try {
			page = await load(before, limit);
		} catch (e) {
			fill(el, h("p", { class: "error" }, errorText(e)));
			return;
		}
		const nav = h("div", { class: "pager" });
		if (stack.length)
			nav.append(
				h("button", { type: "button", onclick: () => { before = stack.pop(); show(); } }, t("table.newer")),
			);
		if (page.next_before != null)
			nav.append(
				h("button", { type: "button", onclick: () => { stack.push(before); before = page.next_before; show(); } }, t("table.older")),
			);
		fill(el, render(page.items), nav.childNodes.length ? nav : null);
	}
	show();
	return { reload: () => { before = null; stack.length = 0; return show(); } };
}

// localPages(items, limit): the same contract over an array the API gives
// whole (ids descend by position; before = an index).
export function localPages(items) {
	return (before, limit) => {
		const start = before == null ? 0 : before;
		return Promise.resolve({
			items: items.slice(start, start + limit),
			next_before: start + limit < items.length ? start + limit : null,
		});
	};
}

// ---- forms ----

let uid = 0;

// form({fields: [{name, label, type, value, required, options:[{value,
// label}], hint, attrs, build?(id, describedby) -> control}], submit,
// submitLabel, onsubmit(values, form)}) -> {el, values(), showError(err),
// setFieldError(name, msg), clearErrors(), control(name)}
export function form({ fields, submitLabel, onsubmit, extra }) {
	const id = `f${++uid}`;
	const controls = {};
	const errors = {};
	const hints = {};
	const el = h("form", { novalidate: true, class: "form" });
	const top = h("div", { class: "form-error", role: "alert", id: `${id}-error` });
	el.append(top);
	for (const f of fields) {
		const cid = `${id}-${f.name}`;
		const errId = `${cid}-error`;
		const hintId = f.hint ? `${cid}-hint` : null;
		let control;
		if (f.build) control = f.build(cid);
		else if (f.type === "select")
			control = h(
				"select",
				{ id: cid, name: f.name, required: f.required },
				f.options.map((o) => h("option", { value: o.value, selected: String(o.value) === String(f.value ?? "") }, o.label)),
			);
		else if (f.type === "textarea") control = h("textarea", { id: cid, name: f.name, rows: 4, required: f.required }, f.value ?? "");
		else if (f.type === "checkbox") control = h("input", { id: cid, name: f.name, type: "checkbox", checked: !!f.value });
		else
			control = h("input", {
				id: cid,
				name: f.name,
				type: f.type || "text",
				value: f.value ?? "",
				required: f.required,
				autocomplete: f.autocomplete || "off",
				...(f.attrs || {}),
			});
		const input = control.matches("input,select,textarea") ? control : control.querySelector(`#${CSS.escape(cid)}`);
		controls[f.name] = input;
		errors[f.name] = h("p", { class: "field-error", id: errId, hidden: true });
		hints[f.name] = hintId;
		if (hintId) input.setAttribute("aria-describedby", hintId);
		const label = h("label", { for: cid }, f.label, f.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
		el.append(
			h(
				"div",
				{ class: `field ${f.type === "checkbox" ? "check" : ""}` },
				f.type === "checkbox" ? [control, label] : [label, control],
				f.hint ? h("p", { class: "hint", id: hintId }, f.hint) : null,
				errors[f.name],
				f.after || null,
			),
		);
	}
	if (extra) el.append(extra);
	const button = h("button", { type: "submit", class: "primary" }, submitLabel || t("form.save"));
	el.append(h("div", { class: "actions" }, button));

	function setFieldError(name, msg) {
		const c = controls[name];
		const e = errors[name];
		if (!c || !e) return false;
		const described = [hints[name], msg ? e.id : null].filter(Boolean).join(" ");
		e.textContent = msg || "";
		e.hidden = !msg;
		if (msg) c.setAttribute("aria-invalid", "true");
		else c.removeAttribute("aria-invalid");
		if (described) c.setAttribute("aria-describedby", described);
		else c.removeAttribute("aria-describedby");
		return true;
	}
	function clearErrors() {
		top.textContent = "";
		for (const n of Object.keys(controls)) setFieldError(n, "");
	}
	// An ApiError: next to its field when the form has it, else on top.
	function showError(err) {
		if (err.field && setFieldError(err.field, err.display || err.message)) {
			controls[err.field].focus();
			return;
		}
		top.textContent = errorText(err);
	}
	function values() {
		const v = {};
		for (const [n, c] of Object.entries(controls)) v[n] = c.type === "checkbox" ? c.checked : c.value;
		return v;
	}
	const api = { el, values, showError, setFieldError, clearErrors, control: (n) => controls[n], button };
	el.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		clearErrors();
		button.disabled = true;
		try {
			await onsubmit(values(), api);
		} catch (err) {
			if (err && err.status !== undefined) showError(err);
			else throw err;
		} finally {
			button.disabled = false;
		}
	});
	return api;
}

// ---- dialog ----

// confirmDialog(message, {ok, cancel}) -> Promise<boolean>
export function confirmDialog(message, { ok, cancel } = {}) {
	return new Promise((resolve) => {
		const prev = document.activeElement;
		const d = h(
			"dialog",
			{ class: "confirm", "aria-labelledby": "confirm-text" },
			h("p", { id: "confirm-text" }, message),
			h(
				"div",
				{ class: "actions" },
				h("button", { type: "button", class: "primary", value: "ok", onclick: () => close(true) }, ok || t("dialog.ok")),
				h("button", { type: "button", value: "cancel", onclick: () => close(false) }, cancel || t("dialog.cancel")),
			),
		);
		function close(v) {
			d.close();
			d.remove();
			if (prev && prev.focus) prev.focus();
			resolve(v);
		}
		d.addEventListener("cancel", (e) => {
			e.preventDefault();
			close(false);
		});
		document.body.append(d);
		d.showModal();
	});
}

// A heading for a screen: sets the document's title too.
export function heading(text, level = 1) {
	document.title = `${text} · convened`;
	return h(`h${level}`, {}, text);
}

// A link to a route of the console.
export function link(hash, text, attrs = {}) {
	return h("a", { href: `#${hash}`, ...attrs }, text);
}
