-- 003_outbox.sql - the outbox's rules in the database: reminder offsets and
-- scheduling, event-change notifications, the wake-up NOTIFY, and the
-- formatting helpers the scheduler's claim query uses.

-- Default reminder offsets per event/deadline kind, written by the daemon
-- at start from [reminders] (ISO 8601 durations, e.g. {P7D,P1D}).
CREATE TABLE reminder_defaults (
    kind    text PRIMARY KEY,
    offsets text[] NOT NULL
);

-- Settings the daemon writes at start (one row).
CREATE TABLE outbox_settings (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    notify_window interval NOT NULL DEFAULT '5 minutes'
);
INSERT INTO outbox_settings DEFAULT VALUES;

-- The instant of a reminder OFF before LOCAL wall-clock time in TZ: the
-- day (and week) part is a calendar offset in the zone, so the wall-clock
-- time is kept across a DST change; the hour/minute part is exact.
CREATE FUNCTION cv_reminder_instant(p_local timestamp, p_tz text, p_off text)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT ((p_local - make_interval(days => d)) AT TIME ZONE p_tz)
           - (i - make_interval(days => d))
      FROM (SELECT p_off::interval AS i) s,
           LATERAL (SELECT extract(day FROM s.i)::int AS d) dd
$$;

-- The pending reminder rows of one event brought in line with the event:
-- one row per confirmed registration and offset, due at the offset's
-- instant.  Moved events move pending rows; rows no longer wanted (offset
-- dropped, registration gone, instant passed, event not published) are
-- cancelled; new rows whose instant has passed are not created.  The dedupe
-- key carries the start instant, so a reminder already sent for an old
-- time does not block the one for the new time.  Returns rows created.
CREATE FUNCTION cv_schedule_event_reminders(p_event bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    e events%ROWTYPE;
    offs text[];
    n integer;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF e.status <> 'published' THEN
        UPDATE outbox SET state = 'cancelled', updated_at = now(),
               last_error = 'event ' || e.status
         WHERE event_id = p_event AND kind = 'event_reminder' AND state = 'pending';
        RETURN 0;
    END IF;
    offs := COALESCE(e.reminders,
                     (SELECT offsets FROM reminder_defaults WHERE kind = e.kind::text),
                     '{}');

    -- pending rows that are no longer wanted
    UPDATE outbox o SET state = 'cancelled', updated_at = now(),
           last_error = 'no longer due'
     WHERE o.event_id = p_event AND o.kind = 'event_reminder' AND o.state = 'pending'
       AND (o.reminder_offset IS NULL OR NOT (o.reminder_offset = ANY (offs))
            OR cv_reminder_instant(e.start_local, e.tz, o.reminder_offset) <= now()
            OR NOT EXISTS (SELECT 1 FROM registrations r
                            WHERE r.event_id = p_event AND r.person_id = o.person_id
                              AND r.state = 'confirmed')
            OR EXISTS (SELECT 1 FROM outbox o2
                        WHERE o2.dedupe_key = 'rem:e:' || p_event || ':' || o.person_id
                                  || ':' || o.reminder_offset || ':'
                                  || extract(epoch FROM e.start_at)::bigint
                          AND o2.id <> o.id));

    -- the rest move with the event
    UPDATE outbox o
       SET due_at = t.at, next_attempt_at = t.at, updated_at = now(),
           dedupe_key = 'rem:e:' || p_event || ':' || o.person_id || ':'
                        || o.reminder_offset || ':' || extract(epoch FROM e.start_at)::bigint
      FROM (SELECT o3.id, cv_reminder_instant(e.start_local, e.tz, o3.reminder_offset) AS at
              FROM outbox o3
             WHERE o3.event_id = p_event AND o3.kind = 'event_reminder'
               AND o3.state = 'pending') t
     WHERE o.id = t.id AND (o.due_at <> t.at OR o.next_attempt_at <> t.at);

    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, reminder_offset, due_at,
                        next_attempt_at, dedupe_key)
    SELECT 'event_reminder', p.email, p.name, p.language, p.id, e.id, r.id, off,
           cv_reminder_instant(e.start_local, e.tz, off),
           cv_reminder_instant(e.start_local, e.tz, off),
           'rem:e:' || e.id || ':' || p.id || ':' || off || ':'
               || extract(epoch FROM e.start_at)::bigint
      FROM registrations r
      JOIN people p ON p.id = r.person_id
      CROSS JOIN unnest(offs) AS off
     WHERE r.event_id = e.id AND r.state = 'confirmed'
       AND cv_reminder_instant(e.start_local, e.tz, off) > now()
    ON CONFLICT (dedupe_key) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- The same for a deadline and the followers of its project.
CREATE FUNCTION cv_schedule_deadline_reminders(p_deadline bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d deadlines%ROWTYPE;
    offs text[];
    n integer;
BEGIN
    SELECT * INTO d FROM deadlines WHERE id = p_deadline;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF d.status <> 'published' THEN
        UPDATE outbox SET state = 'cancelled', updated_at = now(),
               last_error = 'deadline ' || d.status
         WHERE deadline_id = p_deadline AND kind = 'deadline_reminder'
           AND state = 'pending';
        RETURN 0;
    END IF;
    offs := COALESCE(d.reminders,
                     (SELECT offsets FROM reminder_defaults WHERE kind = d.kind::text),
                     '{}');

    UPDATE outbox o SET state = 'cancelled', updated_at = now(),
           last_error = 'no longer due'
     WHERE o.deadline_id = p_deadline AND o.kind = 'deadline_reminder'
       AND o.state = 'pending'
       AND (o.reminder_offset IS NULL OR NOT (o.reminder_offset = ANY (offs))
            OR cv_reminder_instant(d.due_local, d.tz, o.reminder_offset) <= now()
            OR NOT EXISTS (SELECT 1 FROM deadline_followers f
                            WHERE f.project_id = d.project_id
                              AND f.person_id = o.person_id)
            OR EXISTS (SELECT 1 FROM outbox o2
                        WHERE o2.dedupe_key = 'rem:d:' || p_deadline || ':' || o.person_id
                                  || ':' || o.reminder_offset || ':'
                                  || extract(epoch FROM d.due_at)::bigint
                          AND o2.id <> o.id));

    UPDATE outbox o
       SET due_at = t.at, next_attempt_at = t.at, updated_at = now(),
           dedupe_key = 'rem:d:' || p_deadline || ':' || o.person_id || ':'
                        || o.reminder_offset || ':' || extract(epoch FROM d.due_at)::bigint
      FROM (SELECT o3.id, cv_reminder_instant(d.due_local, d.tz, o3.reminder_offset) AS at
              FROM outbox o3
             WHERE o3.deadline_id = p_deadline AND o3.kind = 'deadline_reminder'
               AND o3.state = 'pending') t
     WHERE o.id = t.id AND (o.due_at <> t.at OR o.next_attempt_at <> t.at);

    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        deadline_id, reminder_offset, due_at, next_attempt_at,
                        dedupe_key)
    SELECT 'deadline_reminder', p.email, p.name, p.language, p.id, d.id, off,
           cv_reminder_instant(d.due_local, d.tz, off),
           cv_reminder_instant(d.due_local, d.tz, off),
           'rem:d:' || d.id || ':' || p.id || ':' || off || ':'
               || extract(epoch FROM d.due_at)::bigint
      FROM deadline_followers f
      JOIN people p ON p.id = f.person_id
      CROSS JOIN unnest(offs) AS off
     WHERE f.project_id = d.project_id
       AND cv_reminder_instant(d.due_local, d.tz, off) > now()
    ON CONFLICT (dedupe_key) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- An event changed (time, place, status): tell every confirmed participant
-- (event_updated, or event_cancelled when it is cancelled) and bring the
-- reminders in line.  Call it in the transaction that changed the event,
-- after bumping its sequence.  Returns the notifications written.
CREATE FUNCTION cv_event_changed(p_event bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    e events%ROWTYPE;
    k text;
    n integer;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event;
    IF NOT FOUND OR e.status = 'draft' THEN
        RETURN 0;
    END IF;
    k := CASE WHEN e.status = 'cancelled' THEN 'event_cancelled' ELSE 'event_updated' END;
    PERFORM cv_schedule_event_reminders(p_event);
    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, dedupe_key)
    SELECT k, p.email, p.name, p.language, p.id, e.id, r.id,
           'evt:' || k || ':' || e.id || ':' || p.id || ':' || e.sequence
      FROM registrations r JOIN people p ON p.id = r.person_id
     WHERE r.event_id = e.id AND r.state = 'confirmed'
    ON CONFLICT (dedupe_key) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Wake the schedulers (LISTEN convened_outbox) when a statement makes a row
-- pending that is due within the notify window.  Once per statement, never
-- per row: a NOTIFY serialises commits.
CREATE FUNCTION cv_outbox_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed c
                WHERE c.state = 'pending'
                  AND c.next_attempt_at <= now() + (SELECT notify_window
                                                      FROM outbox_settings)) THEN
        PERFORM pg_notify('convened_outbox', '');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_wake_insert AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION cv_outbox_wake();
CREATE TRIGGER outbox_wake_update AFTER UPDATE ON outbox
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION cv_outbox_wake();

-- "2027-03-28 09:00 CEST (Europe/Stockholm)"; a date alone for all-day.
CREATE FUNCTION cv_format_local(p_at timestamptz, p_tz text, p_date_only boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old text := current_setting('TimeZone');
    r text;
BEGIN
    IF p_at IS NULL OR p_tz IS NULL THEN
        RETURN NULL;
    END IF;
    IF p_date_only THEN
        RETURN to_char(p_at AT TIME ZONE p_tz, 'YYYY-MM-DD');
    END IF;
    PERFORM set_config('TimeZone', p_tz, true);
    r := to_char(p_at, 'YYYY-MM-DD HH24:MI TZ');
    PERFORM set_config('TimeZone', old, true);
    RETURN r || ' (' || p_tz || ')';
END
$$;

-- "venue, city, country" without the empty parts.
CREATE FUNCTION cv_place(p_venue text, p_city text, p_country text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(', ', NULLIF(p_venue, ''), NULLIF(p_city, ''), NULLIF(p_country, ''))
$$;
