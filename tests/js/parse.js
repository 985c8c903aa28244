// parse.js - parse iCalendar files with Mozilla's ical.js and print, as JSON,
// each calendar's METHOD and each VEVENT's UID, SEQUENCE, STATUS and instants.
// Usage: node tests/js/parse.js FILE.ics... (or "-" for stdin); exits 1 on a
// parse error.  Zones are resolved only from the file's own VTIMEZONEs.
import fs from "node:fs";
import ICAL from "ical.js";

function instant(t) {
	if (!t) return null;
	if (t.isDate) return { date: t.toString(), allDay: true };
	const zone = t.zone ? t.zone.tzid : null;
	return {
		unix: t.toUnixTime(),
		local: t.toString().slice(0, 19),
		tzid: zone,
		floating: zone === "floating" || zone === null,
	};
}

function eventJson(vevent) {
	const ev = new ICAL.Event(vevent);
	const alarms = vevent.getAllSubcomponents("valarm").map((a) => {
		const trig = a.getFirstPropertyValue("trigger");
		return {
			action: a.getFirstPropertyValue("action"),
			trigger: trig ? trig.toString() : null,
			triggerSeconds: trig && trig.toSeconds ? trig.toSeconds() : null,
		};
	});
	const cats = [];
	for (const p of vevent.getAllProperties("categories"))
		for (const v of p.getValues()) cats.push(v);
	const dur = vevent.getFirstPropertyValue("duration");
	return {
		uid: ev.uid,
		sequence: ev.sequence,
		summary: ev.summary,
		location: ev.location,
		description: ev.description,
		status: vevent.getFirstPropertyValue("status"),
		url: vevent.getFirstPropertyValue("url"),
		categories: cats,
		start: instant(ev.startDate),
		end: instant(ev.endDate),
		hasDtend: vevent.hasProperty("dtend"),
		duration: dur ? dur.toString() : null,
		recurring: ev.isRecurring(),
		organizer: vevent.getFirstPropertyValue("organizer"),
		attendees: vevent.getAllProperties("attendee").map((p) => ({
			value: p.getFirstValue(),
			cn: p.getParameter("cn"),
			partstat: p.getParameter("partstat"),
			rsvp: p.getParameter("rsvp"),
			role: p.getParameter("role"),
		})),
		alarms,
	};
}

function calendarJson(text) {
	const root = new ICAL.Component(ICAL.parse(text));
	const cals = root.name === "vcalendar" ? [root] : root.getAllSubcomponents("vcalendar");
	return cals.map((cal) => ({
		method: cal.getFirstPropertyValue("method"),
		prodid: cal.getFirstPropertyValue("prodid"),
		name: cal.getFirstPropertyValue("name") || cal.getFirstPropertyValue("x-wr-calname"),
		timezones: cal.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")),
		events: cal.getAllSubcomponents("vevent").map(eventJson),
	}));
}

const files = process.argv.slice(2);
const out = {};
try {
	for (const f of files.length ? files : ["-"]) {
		const text = fs.readFileSync(f === "-" ? 0 : f, "utf8");
		out[f] = calendarJson(text);
	}
} catch (e) {
	process.stderr.write(`parse.js: ${e.message}\n`);
	process.exit(1);
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
