-- events.sql - the admin writes and reads of events: one SQL function per
-- API call, so every write is one statement and one transaction; a change
-- of time, place or status notifies the people registered.

-- An event as the API shows it; WARNINGS (fold notes of this write) are
-- added.  PL/pgSQL: its plans stay cached, which makes lists ~2x faster.
CREATE OR REPLACE FUNCTION cv_event_json(e events, warnings text[] DEFAULT NULL) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s json;
    en json;
    ro json;
    rc json;
    reg json;
BEGIN
    s := cv_time_json(e.start_local, e.tz, e.start_at, e.all_day);
    en := CASE WHEN e.all_day THEN cv_time_json(e.end_local - interval '1 day', e.tz, e.end_at, true)
               ELSE cv_time_json(e.end_local, e.tz, e.end_at) END;
    ro := cv_time_json((e.reg_opens_at AT TIME ZONE e.tz), e.tz, e.reg_opens_at);
    rc := cv_time_json((e.reg_closes_at AT TIME ZONE e.tz), e.tz, e.reg_closes_at);
    SELECT json_build_object('pending', count(*) FILTER (WHERE state = 'pending'),
                             'confirmed', count(*) FILTER (WHERE state = 'confirmed'),
                             'waitlisted', count(*) FILTER (WHERE state = 'waitlisted'),
                             'cancelled', count(*) FILTER (WHERE state = 'cancelled'))
      INTO reg FROM registrations WHERE event_id = e.id;
    RETURN json_build_object(
        'id', e.id, 'uid', e.uid, 'sequence', e.sequence,
        'project', (SELECT slug FROM projects WHERE id = e.project_id),
        'kind', e.kind, 'title', e.title, 'description', e.description,
        'venue', e.venue, 'city', e.city, 'country', e.country,
        'tz', e.tz, 'all_day', e.all_day, 'start', s, 'end', en,
        'status', e.status, 'capacity', e.capacity, 'org_cap', e.org_cap,
        'reg_opens', ro, 'reg_closes', rc, 'reminders', e.reminders,
        'registrations', reg,
        'ambiguous_time', coalesce(array_length(warnings, 1), 0) > 0
            OR coalesce((s->>'ambiguous')::boolean, false) OR coalesce((en->>'ambiguous')::boolean, false)
            OR coalesce((ro->>'ambiguous')::boolean, false) OR coalesce((rc->>'ambiguous')::boolean, false),
        'warnings', coalesce(warnings, '{}'),
        'created_at', cv_iso_utc(e.created_at), 'updated_at', cv_iso_utc(e.updated_at));
END $$;

-- Write the outbox rows that tell people about a change of event E: an
-- update (KIND event_updated, an invitation with the new details) goes to
-- confirmed participants only, a cancellation (event_cancelled) to everyone
-- still registered (pending, confirmed, waitlisted).  Each row carries its
-- iTIP SEQUENCE (cv_itip_sequence), kept on the registration as the one its
-- person has seen.  Returns rows written.
CREATE OR REPLACE FUNCTION cv_event_notify(e events, kind text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    WITH ins AS (
        INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                            event_id, registration_id, itip_sequence, dedupe_key)
        SELECT kind, p.email, p.name, p.language, p.id, e.id, r.id,
               cv_itip_sequence(kind, r.state, r.itip_sequence, e.sequence),
               CASE kind WHEN 'event_cancelled' THEN format('cxl:%s:%s', e.id, r.id)
                         ELSE format('upd:%s:%s:%s', e.id, r.id, e.sequence) END
        FROM registrations r JOIN people p ON p.id = r.person_id
        WHERE r.event_id = e.id
          AND (r.state = 'confirmed'
               OR (kind = 'event_cancelled' AND r.state IN ('pending', 'waitlisted')))
        ORDER BY r.id
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING registration_id, itip_sequence),
    seen AS (
        UPDATE registrations r SET itip_sequence = ins.itip_sequence
          FROM ins
         WHERE r.id = ins.registration_id AND ins.itip_sequence IS NOT NULL)
    SELECT count(*) INTO n FROM ins;
    RETURN n;
END $$;

-- Create (ID NULL) or update event ID from the validated API body.  HOST
-- names the UID's domain.  Returns the event as JSON (cv_event_json).
CREATE OR REPLACE FUNCTION cv_event_write(p_id bigint, body jsonb, host text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    o events;
    n events;
    w text[] := '{}';
    r record;
    times_given boolean;
    moved boolean;
    placed boolean;
    restated boolean;
BEGIN
    IF p_id IS NULL THEN
        n.project_id := cv_project_id(body->>'project');
        n.description := ''; n.venue := ''; n.city := '';
        n.all_day := false; n.status := 'draft'; n.sequence := 0;
        n.uid := gen_random_uuid()::text || '@' || host;
        n.created_at := now();
    ELSE
        SELECT * INTO o FROM events WHERE id = p_id FOR UPDATE;
        IF NOT FOUND THEN
            PERFORM cv_fail(404, NULL, format('no event %s', p_id));
        END IF;
        IF o.status = 'cancelled' THEN
            PERFORM cv_fail(409, 'status', format('field status: event %s is cancelled and can no longer change', p_id));
        END IF;
        n := o;
        IF body ? 'all_day' AND (body->>'all_day')::boolean <> o.all_day
           AND NOT (body ? 'start' AND body ? 'end') THEN
            PERFORM cv_fail(422, 'start', 'field start: give start and end when all_day changes');
        END IF;
    END IF;

    IF body ? 'kind' THEN n.kind := body->>'kind'; END IF;
    IF body ? 'title' THEN n.title := body->>'title'; END IF;
    IF body ? 'description' THEN n.description := coalesce(body->>'description', ''); END IF;
    IF body ? 'venue' THEN n.venue := coalesce(body->>'venue', ''); END IF;
    IF body ? 'city' THEN n.city := coalesce(body->>'city', ''); END IF;
    IF body ? 'country' THEN n.country := body->>'country'; END IF;
    IF body ? 'tz' THEN n.tz := body->>'tz'; END IF;
    IF body ? 'all_day' THEN n.all_day := (body->>'all_day')::boolean; END IF;
    IF body ? 'status' THEN n.status := (body->>'status')::item_status; END IF;
    IF body ? 'capacity' THEN n.capacity := (body->>'capacity')::integer; END IF;
    IF body ? 'org_cap' THEN n.org_cap := (body->>'org_cap')::integer; END IF;
    IF body ? 'reminders' THEN n.reminders := cv_reminders_from(body); END IF;
    IF NOT cv_zone_known(n.tz) THEN
        PERFORM cv_fail(422, 'tz', format('field tz: unknown time zone %L: an IANA name such as Europe/Rome is expected', n.tz));
    END IF;

    -- times: local wall clock in tz, all-day end exclusive
    IF body ? 'start' THEN n.start_local := cv_parse_local(body, 'start', n.all_day); END IF;
    IF body ? 'end' THEN
        n.end_local := cv_parse_local(body, 'end', n.all_day);
        IF n.all_day THEN n.end_local := n.end_local + interval '1 day'; END IF;
    END IF;
    IF n.end_local <= n.start_local OR (n.all_day AND n.end_local - interval '1 day' < n.start_local) THEN
        PERFORM cv_fail(422, 'end', 'field end: must be after start');
    END IF;
    r := cv_event_instant(n.start_local, n.tz, 'start', n.all_day, w);
    w := r.w; n.start_at := r.utc;
    r := cv_event_instant(n.end_local, n.tz, 'end', n.all_day, w);
    w := r.w; n.end_at := r.utc;
    IF n.end_at <= n.start_at THEN
        PERFORM cv_fail(422, 'end', 'field end: must be after start (in UTC, across the clock change)');
    END IF;

    -- registration window: local times in the event's zone
    IF body ? 'reg_opens' THEN
        n.reg_opens_at := NULL;
        IF body->>'reg_opens' IS NOT NULL THEN
            r := cv_event_instant(cv_parse_local(body, 'reg_opens', false), n.tz, 'reg_opens', false, w);
            w := r.w; n.reg_opens_at := r.utc;
        END IF;
    ELSIF p_id IS NOT NULL AND n.tz <> o.tz AND o.reg_opens_at IS NOT NULL THEN
        r := cv_event_instant(o.reg_opens_at AT TIME ZONE o.tz, n.tz, 'reg_opens', false, w);
        w := r.w; n.reg_opens_at := r.utc;
    END IF;
    IF body ? 'reg_closes' THEN
        n.reg_closes_at := NULL;
        IF body->>'reg_closes' IS NOT NULL THEN
            r := cv_event_instant(cv_parse_local(body, 'reg_closes', false), n.tz, 'reg_closes', false, w);
            w := r.w; n.reg_closes_at := r.utc;
        END IF;
    ELSIF p_id IS NOT NULL AND n.tz <> o.tz AND o.reg_closes_at IS NOT NULL THEN
        r := cv_event_instant(o.reg_closes_at AT TIME ZONE o.tz, n.tz, 'reg_closes', false, w);
        w := r.w; n.reg_closes_at := r.utc;
    END IF;
    IF n.reg_closes_at <= n.reg_opens_at THEN
        PERFORM cv_fail(422, 'reg_closes', 'field reg_closes: must be after reg_opens');
    END IF;

    IF p_id IS NULL THEN
        INSERT INTO events (project_id, kind, title, description, venue, city, country, tz,
                            all_day, start_local, end_local, start_at, end_at, status,
                            capacity, org_cap, reg_opens_at, reg_closes_at, reminders, uid)
        VALUES (n.project_id, n.kind, n.title, n.description, n.venue, n.city, n.country, n.tz,
                n.all_day, n.start_local, n.end_local, n.start_at, n.end_at, n.status,
                n.capacity, n.org_cap, n.reg_opens_at, n.reg_closes_at, n.reminders, n.uid)
        RETURNING * INTO n;
        RETURN cv_event_json(n, w);
    END IF;

    times_given := body ? 'start' OR body ? 'end' OR body ? 'tz' OR body ? 'all_day';
    moved := n.start_local <> o.start_local OR n.end_local <> o.end_local OR n.tz <> o.tz
             OR n.all_day <> o.all_day OR n.start_at <> o.start_at OR n.end_at <> o.end_at;
    placed := n.venue <> o.venue OR n.city <> o.city OR n.country IS DISTINCT FROM o.country;
    restated := n.status <> o.status;
    IF moved OR placed OR restated THEN
        n.sequence := o.sequence + 1;
    END IF;
    UPDATE events SET kind = n.kind, title = n.title, description = n.description,
        venue = n.venue, city = n.city, country = n.country, tz = n.tz, all_day = n.all_day,
        start_local = n.start_local, end_local = n.end_local, start_at = n.start_at,
        end_at = n.end_at, status = n.status, capacity = n.capacity, org_cap = n.org_cap,
        reg_opens_at = n.reg_opens_at, reg_closes_at = n.reg_closes_at,
        reminders = n.reminders, sequence = n.sequence, updated_at = now()
    WHERE id = p_id
    RETURNING * INTO n;
    IF moved OR placed OR restated THEN
        PERFORM cv_event_notify(n, 'event_updated');
    END IF;
    IF moved OR restated OR n.reminders IS DISTINCT FROM o.reminders THEN
        PERFORM cv_schedule_event_reminders(n.id);
    END IF;
    IF ((n.capacity IS NULL AND o.capacity IS NOT NULL) OR n.capacity > o.capacity
        OR (n.org_cap IS NULL AND o.org_cap IS NOT NULL) OR n.org_cap > o.org_cap) THEN
        PERFORM cv_promote_waitlist(n.id);
    END IF;
    RETURN cv_event_json(n, w);
END $$;

-- Cancel event ID: status cancelled, SEQUENCE+1, its pending outbox rows
-- (reminders, confirmation requests, updates) cancelled, event_cancelled to
-- every registered person.  Cancelling a cancelled event changes nothing.
CREATE OR REPLACE FUNCTION cv_event_cancel(p_id bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    e events;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, NULL, format('no event %s', p_id));
    END IF;
    IF e.status = 'cancelled' THEN
        RETURN cv_event_json(e);
    END IF;
    UPDATE events SET status = 'cancelled', sequence = sequence + 1, updated_at = now()
    WHERE id = p_id RETURNING * INTO e;
    UPDATE outbox SET state = 'cancelled', last_error = 'event cancelled', updated_at = now()
    WHERE event_id = p_id AND state = 'pending';
    PERFORM cv_event_notify(e, 'event_cancelled');
    PERFORM cv_schedule_event_reminders(e.id);
    RETURN cv_event_json(e);
END $$;

CREATE OR REPLACE FUNCTION cv_event_get(p_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT cv_event_json(e) FROM events e WHERE e.id = p_id
$$;

-- Create an event from the validated API body like cv_event_write(NULL,
-- body, host), but with the UID body->>'uid' instead of a random one.
-- Returns the event as JSON (cv_event_json, warnings kept).
CREATE OR REPLACE FUNCTION cv_event_create_with_uid(body jsonb, host text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    p_uid text := body->>'uid';
    res json;
    e events;
BEGIN
    IF p_uid IS NULL OR length(p_uid) NOT BETWEEN 1 AND 255 OR p_uid ~ '[[:cntrl:]]' THEN
        PERFORM cv_fail(422, 'uid', 'field uid: 1 to 255 printable characters are expected');
    END IF;
    IF EXISTS (SELECT 1 FROM events WHERE uid = p_uid) THEN
        PERFORM cv_fail(409, 'uid', format('field uid: an event with UID %s already exists', p_uid));
    END IF;
    res := cv_event_write(NULL, body, host);
    BEGIN
        UPDATE events SET uid = p_uid WHERE id = (res->>'id')::bigint RETURNING * INTO e;
    EXCEPTION WHEN unique_violation THEN
        -- a concurrent import of the same UID committed first
        PERFORM cv_fail(409, 'uid', format('field uid: an event with UID %s already exists', p_uid));
    END;
    RETURN cv_event_json(e, ARRAY(SELECT json_array_elements_text(res->'warnings')));
END $$;
