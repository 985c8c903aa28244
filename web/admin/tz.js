// tz.js - the time-zone picker: every IANA place the browser knows
// (Intl.supportedValuesOf), grouped by region, each shown by its city
// ("Helsinki", "Argentina / Buenos Aires"), with a search box that narrows
// the list; and the check of a typed-in local time by the API itself
// (GET /api/local-time), so a DST gap or a repeated hour is explained
// next to the field while the form is filled in.

import { h } from "./ui.js";

const REGIONS = ["Europe", "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Indian", "Pacific"];

function zones() {
	let all = [];
	try {
		all = Intl.supportedValuesOf("timeZone");
	} catch {
		all = ["Europe/Brussels", "Europe/Helsinki", "Europe/Rome", "Europe/Stockholm", "Europe/Warsaw", "Europe/Madrid"];
	}
	return all.filter((z) => REGIONS.includes(z.split("/")[0]));
}

function city(zone) {
	return zone.split("/").slice(1).join(" / ").replace(/_/g, " ");
}

// tzPicker(id, value, t) -> element holding a search box and a <select
// id=ID name=tz>; the select's value is the zone.
export function tzPicker(id, value, t) {
	const list = zones();
	if (value && !list.includes(value) && value !== "UTC") list.push(value);
	const select = h("select", { id, name: "tz", required: true, size: 1 });
	function fillOptions(filter) {
		const q = (filter || "").trim().toLowerCase();
		const current = select.value || value;
		select.replaceChildren();
		for (const region of REGIONS) {
			const items = list
				.filter((z) => z.startsWith(`${region}/`))
				.filter((z) => !q || z.toLowerCase().replace(/_/g, " ").includes(q) || city(z).toLowerCase().includes(q))
				.sort((a, b) => city(a).localeCompare(city(b)));
			if (!items.length) continue;
			select.append(
				h(
					"optgroup",
					{ label: t(`tz.region.${region.toLowerCase()}`) },
					items.map((z) => h("option", { value: z, selected: z === current }, city(z))),
				),
			);
		}
		if (!q || "utc".includes(q)) select.append(h("option", { value: "UTC", selected: current === "UTC" }, "UTC"));
		if (![...select.options].some((o) => o.selected) && select.options.length) select.options[0].selected = true;
	}
	fillOptions("");
	if (value) select.value = value;
	const search = h("input", {
		type: "search",
		id: `${id}-search`,
		autocomplete: "off",
		oninput: (e) => {
			fillOptions(e.target.value);
			select.dispatchEvent(new Event("change", { bubbles: true }));
		},
	});
	return h(
		"div",
		{ class: "tz-picker" },
		h("label", { for: `${id}-search`, class: "sub" }, t("tz.search")),
		search,
		select,
	);
}

// watchTimes(form, api, t, fields): re-check each of FIELDS (names of
// datetime-local inputs of FORM) with the API when it or the zone changes;
// the API's refusal goes next to the field (or the zone), its warning
// (a repeated hour) under it.  Returns check() -> Promise of all checks.
export function watchTimes(f, api, t, fields, warnings) {
	const timers = {};
	const asked = {}; // the latest question per field: older answers are dropped
	async function check(name) {
		const input = f.control(name);
		const tz = f.control("tz").value;
		const w = warnings[name];
		const seq = (asked[name] = (asked[name] || 0) + 1);
		if (!input || input.type !== "datetime-local" || !input.value || !tz) {
			f.setFieldError(name, "");
			if (w) w.hidden = true;
			return;
		}
		try {
			const r = await api.get("/api/local-time", { local: input.value, tz, field: name });
			if (seq !== asked[name]) return;
			f.setFieldError(name, "");
			if (f.control("tz").getAttribute("aria-invalid")) f.setFieldError("tz", "");
			if (w) {
				w.textContent = (r.warnings || []).join(" ");
				w.hidden = !(r.warnings || []).length;
			}
		} catch (e) {
			if (seq !== asked[name]) return;
			if (w) w.hidden = true;
			if (e.status === 422 || e.status === 400) {
				if (!f.setFieldError(e.field || name, e.message)) f.setFieldError(name, e.message);
			}
		}
	}
	function later(name) {
		clearTimeout(timers[name]);
		timers[name] = setTimeout(() => check(name), 250);
	}
	for (const name of fields) {
		const c = f.control(name);
		if (!c) continue;
		c.addEventListener("input", () => later(name));
		c.addEventListener("change", () => later(name));
	}
	f.control("tz").addEventListener("change", () => fields.forEach(later));
	return () => Promise.all(fields.map(check));
}
