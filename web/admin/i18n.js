// i18n.js - the console's words: one flat catalogue per language
// (i18n/{en,sv,it,pl,es,fi}.json, keys like "outbox.retry"); English is
// complete and stands in for a key another language lacks.  t(key, vars)
// fills {name} placeholders from VARS.

export const LANGS = ["en", "sv", "it", "pl", "es", "fi"];
const KEY = "convened.lang";

let lang = "en";
let en = {};
let cat = {};

async function fetchCatalogue(l) {
	const res = await fetch(new URL(`./i18n/${l}.json`, import.meta.url));
	if (!res.ok) throw new Error(`catalogue ${l}: ${res.status}`);
	return res.json();
}

// The language: the one chosen in the console (kept in localStorage), the
// account's when it has one, else the first of the browser's languages
// that the console speaks, else English.
export function pickLang(accountLang) {
	const chosen = localStorage.getItem(KEY);
	for (const c of [chosen, accountLang, ...(navigator.languages || [])]) {
		const base = String(c || "").toLowerCase().split("-")[0];
		if (LANGS.includes(base)) return base;
	}
	return "en";
}

export function chooseLang(l) {
	localStorage.setItem(KEY, l);
}

export async function loadLang(l) {
	if (!Object.keys(en).length) en = await fetchCatalogue("en");
	cat = l === "en" ? en : await fetchCatalogue(l).catch(() => en);
	lang = LANGS.includes(l) ? l : "en";
	document.documentElement.lang = lang;
}

export function currentLang() {
	return lang;
}

export function t(key, vars) {
	let s = cat[key] ?? en[key] ?? key;
	if (vars)
		s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
	return s;
}

// Fill every [data-i18n] element of ROOT with its key's words.
export function translate(root) {
	for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}
