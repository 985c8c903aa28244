-- reminders.sql - reminder offsets and their scheduling: which offsets
-- an item has (its own, else reminder_defaults for its kind), the instant
-- of each, and the pending outbox rows kept in line with the item.

-- An ISO 8601 duration as the reminder offsets accept it (PnW, PnD, PTnH,
-- PTnM, PTnS and combinations like P1DT2H).
CREATE OR REPLACE FUNCTION cv_duration_ok(d text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT d ~ '^P(\d+W|\d+D(T(\d+H)?(\d+M)?(\d+S)?)?|T(\d+H)?(\d+M)?(\d+S)?)$' AND d !~ 'T$'
$$;

-- The offsets in J (a JSON array of ISO 8601 durations, at most 8) as an
-- array; NULL when J is not an array.  Raises 422 naming FIELD.
CREATE OR REPLACE FUNCTION cv_offsets_from(j jsonb, field text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    a text[];
    x text;
BEGIN
    IF jsonb_typeof(j) IS DISTINCT FROM 'array' THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(v ORDER BY o) INTO a FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, o),
        LATERAL (SELECT CASE WHEN jsonb_typeof(e) = 'string' THEN e #>> '{}' END AS v) s;
    FOREACH x IN ARRAY coalesce(a, '{}') LOOP
        IF x IS NULL OR NOT cv_duration_ok(x) THEN
            PERFORM cv_fail(422, field, format('field %s: each offset must be an ISO 8601 duration such as P7D, P1D or PT2H', field));
        END IF;
    END LOOP;
    IF coalesce(array_length(a, 1), 0) > 8 THEN
        PERFORM cv_fail(422, field, format('field %s: at most 8 offsets', field));
    END IF;
    RETURN coalesce(a, '{}');
END $$;

-- An event's or deadline's own offsets from an API body: NULL (the
-- defaults of its kind) unless "reminders" is an array.
CREATE OR REPLACE FUNCTION cv_reminders_from(body jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT cv_offsets_from(body->'reminders', 'reminders')
$$;

-- The offsets an event or deadline of kind P_KIND reminds at: its own (OWN,
-- when not NULL), else reminder_defaults for its kind, else none.  The
-- scheduler and the calendar feeds' VALARMs both read this, so what a feed
-- announces is what is sent.
CREATE OR REPLACE FUNCTION cv_reminder_offsets(own text[], p_kind text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(own, (SELECT rd.offsets FROM reminder_defaults rd WHERE rd.kind = p_kind), '{}')
$$;

-- The instant of a reminder OFF before LOCAL wall-clock time in TZ: the
-- day (and week) part is a calendar offset in the zone, so the wall-clock
-- time is kept across a DST change, and that wall-clock time resolves as a
-- typed-in one does (cv_local_first: the first occurrence in a repeated
-- hour); the hour/minute part is exact.  One expression, so that the
-- planner inlines it instead of planning a query on every call.
CREATE OR REPLACE FUNCTION cv_reminder_instant(p_local timestamp, p_tz text, p_off text)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT cv_local_first(p_local - make_interval(days => extract(day FROM p_off::interval)::int),
                          p_tz)
           - (p_off::interval - make_interval(days => extract(day FROM p_off::interval)::int))
$$;

-- The pending reminder rows of one event brought in line with the event:
-- one row per confirmed registration and offset, due at the offset's
-- instant.  Moved events move pending rows; rows no longer wanted (offset
-- dropped, registration gone, instant passed, event not published) are
-- cancelled; new rows whose instant has passed are not created.  The dedupe
-- key carries the start instant, so a reminder already sent for an old
-- time does not block the one for the new time.  Returns rows created.
CREATE OR REPLACE FUNCTION cv_schedule_event_reminders(p_event bigint) RETURNS integer
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
    offs := cv_reminder_offsets(e.reminders, e.kind);

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

-- The same for a deadline and the confirmed followers of its project.
CREATE OR REPLACE FUNCTION cv_schedule_deadline_reminders(p_deadline bigint) RETURNS integer
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
    offs := cv_reminder_offsets(d.reminders, d.kind);

    UPDATE outbox o SET state = 'cancelled', updated_at = now(),
           last_error = 'no longer due'
     WHERE o.deadline_id = p_deadline AND o.kind = 'deadline_reminder'
       AND o.state = 'pending'
       AND (o.reminder_offset IS NULL OR NOT (o.reminder_offset = ANY (offs))
            OR cv_reminder_instant(d.due_local, d.tz, o.reminder_offset) <= now()
            OR NOT EXISTS (SELECT 1 FROM deadline_followers f
                            WHERE f.project_id = d.project_id
                              AND f.person_id = o.person_id
                              AND f.confirmed_at IS NOT NULL)
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
     WHERE f.project_id = d.project_id AND f.confirmed_at IS NOT NULL
       AND cv_reminder_instant(d.due_local, d.tz, off) > now()
    ON CONFLICT (dedupe_key) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- The pending event reminders of PERSON for EVENT brought in line with the
-- event and the person's registration, like cv_schedule_event_reminders
-- for one person: one row per offset while the registration is confirmed
-- and the event published, due at the offset's instant.  A reminder that
-- was cancelled (registration cancelled, then registered and confirmed
-- again) is made pending again.  Returns rows created or revived.
CREATE OR REPLACE FUNCTION cv_schedule_person_event_reminders(p_event bigint, p_person bigint)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    e events%ROWTYPE;
    offs text[] := '{}';
    v_key text;
    n integer;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF e.status = 'published'
       AND EXISTS (SELECT 1 FROM registrations r
                    WHERE r.event_id = p_event AND r.person_id = p_person
                      AND r.state = 'confirmed') THEN
        offs := cv_reminder_offsets(e.reminders, e.kind);
    END IF;
    v_key := 'rem:e:' || p_event || ':' || p_person || ':';

    -- pending rows that are no longer wanted
    UPDATE outbox o SET state = 'cancelled', updated_at = now(),
           last_error = CASE WHEN e.status <> 'published' THEN 'event ' || e.status
                             ELSE 'no longer due' END
     WHERE o.event_id = p_event AND o.person_id = p_person
       AND o.kind = 'event_reminder' AND o.state = 'pending'
       AND (o.reminder_offset IS NULL OR NOT (o.reminder_offset = ANY (offs))
            OR cv_reminder_instant(e.start_local, e.tz, o.reminder_offset) <= now()
            OR EXISTS (SELECT 1 FROM outbox o2
                        WHERE o2.dedupe_key = v_key || o.reminder_offset || ':'
                                  || extract(epoch FROM e.start_at)::bigint
                          AND o2.id <> o.id));

    -- the rest move with the event
    UPDATE outbox o
       SET due_at = t.at, next_attempt_at = t.at, updated_at = now(),
           dedupe_key = v_key || o.reminder_offset || ':' || extract(epoch FROM e.start_at)::bigint
      FROM (SELECT o3.id, cv_reminder_instant(e.start_local, e.tz, o3.reminder_offset) AS at
              FROM outbox o3
             WHERE o3.event_id = p_event AND o3.person_id = p_person
               AND o3.kind = 'event_reminder' AND o3.state = 'pending') t
     WHERE o.id = t.id AND (o.due_at <> t.at OR o.next_attempt_at <> t.at);

    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, reminder_offset, due_at,
                        next_attempt_at, dedupe_key)
    SELECT 'event_reminder', p.email, p.name, p.language, p.id, e.id, r.id, off, inst, inst,
           v_key || off || ':' || extract(epoch FROM e.start_at)::bigint
      FROM registrations r
      JOIN people p ON p.id = r.person_id
      CROSS JOIN unnest(offs) AS off
      CROSS JOIN LATERAL cv_reminder_instant(e.start_local, e.tz, off) AS inst
     WHERE r.event_id = p_event AND r.person_id = p_person AND r.state = 'confirmed'
       AND inst > now()
    ON CONFLICT (dedupe_key) DO UPDATE
       SET state = 'pending', attempts = 0, last_error = NULL, claimed_by = NULL,
           lease_until = NULL, due_at = EXCLUDED.due_at,
           next_attempt_at = EXCLUDED.next_attempt_at,
           registration_id = EXCLUDED.registration_id, recipient = EXCLUDED.recipient,
           recipient_name = EXCLUDED.recipient_name, language = EXCLUDED.language,
           updated_at = now()
     WHERE outbox.state = 'cancelled';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- ------------------------------------------------- the defaults per kind

-- Every kind's default offsets as GET /api/reminder-defaults shows them:
-- the event kinds, then the deadline kinds, in their tables' order.
CREATE OR REPLACE FUNCTION cv_reminder_defaults_json() RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('reminder_defaults', coalesce(json_agg(json_build_object(
               'kind', k.name, 'applies_to', k.applies_to,
               'offsets', coalesce(rd.offsets, '{}'),
               'updated_at', cv_iso_utc(rd.updated_at)) ORDER BY k.g, k.position), '[]'))
      FROM (SELECT name, 'event' AS applies_to, 1 AS g, position FROM event_kinds
            UNION ALL
            SELECT name, 'deadline', 2, position FROM deadline_kinds) k
      LEFT JOIN reminder_defaults rd ON rd.kind = k.name
$$;

-- Seed the defaults from a daemon's [reminders] (DEFAULTS: {"kind":
-- ["P7D", ...], ...}) when the table is empty: the first daemon to start on
-- a database sets them; later starts, and other daemons with other
-- configs, change nothing.  Returns true when it seeded.
CREATE OR REPLACE FUNCTION cv_reminder_defaults_seed(defaults json) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE reminder_defaults IN SHARE ROW EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM reminder_defaults) THEN
        RETURN false;
    END IF;
    INSERT INTO reminder_defaults (kind, offsets)
    SELECT key, ARRAY(SELECT json_array_elements_text(value))
      FROM json_each(defaults)
     WHERE key IN (SELECT name FROM event_kinds UNION ALL SELECT name FROM deadline_kinds);
    RETURN true;
END $$;

-- Set the default offsets of kind P_KIND (an event or a deadline kind) to
-- BODY->'offsets' (PUT /api/reminder-defaults/{kind}), and bring the
-- pending reminders of every published, future item of that kind without
-- its own offsets in line, in the same transaction.  Returns the kind as
-- cv_reminder_defaults_json shows it; CV404 for an unknown kind.
CREATE OR REPLACE FUNCTION cv_reminder_defaults_set(p_kind text, body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    offs text[];
    x bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM event_kinds WHERE name = p_kind)
       AND NOT EXISTS (SELECT 1 FROM deadline_kinds WHERE name = p_kind) THEN
        PERFORM cv_fail(404, NULL, format('no event or deadline kind %L', p_kind));
    END IF;
    offs := cv_offsets_from(body->'offsets', 'offsets');
    IF offs IS NULL THEN
        PERFORM cv_fail(422, 'offsets', 'field offsets: an array of ISO 8601 durations is expected');
    END IF;
    INSERT INTO reminder_defaults AS rd (kind, offsets) VALUES (p_kind, offs)
    ON CONFLICT (kind) DO UPDATE SET offsets = EXCLUDED.offsets, updated_at = now()
     WHERE rd.offsets IS DISTINCT FROM EXCLUDED.offsets;
    IF FOUND THEN
        FOR x IN SELECT e.id FROM events e
                  WHERE e.kind = p_kind AND e.reminders IS NULL
                    AND e.status = 'published' AND e.start_at > now()
                  ORDER BY e.id
        LOOP
            PERFORM cv_schedule_event_reminders(x);
        END LOOP;
        FOR x IN SELECT d.id FROM deadlines d
                  WHERE d.kind = p_kind AND d.reminders IS NULL
                    AND d.status = 'published' AND d.due_at > now()
                  ORDER BY d.id
        LOOP
            PERFORM cv_schedule_deadline_reminders(x);
        END LOOP;
    END IF;
    RETURN (SELECT r FROM json_array_elements(cv_reminder_defaults_json()->'reminder_defaults') r
             WHERE r->>'kind' = p_kind);
END $$;
