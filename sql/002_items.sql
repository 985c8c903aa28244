-- 002_items.sql - time zones and the admin writes for projects,
-- organisations, events and deadlines: one SQL function per API call, so
-- every write is one statement and one transaction.
--
-- Errors raised on purpose carry SQLSTATE 'CV' || HTTP status (CV400,
-- CV404, CV409, CV422) and the API field in COLUMN (PG_DIAG_COLUMN_NAME);
-- the daemon turns them into {"error":{"code","message","field"}}.

CREATE FUNCTION cv_fail(status integer, field text, msg text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'CV' || status::text, MESSAGE = msg,
        COLUMN = coalesce(field, '');
END $$;

-- IANA zone names known to this server, cached at migration time because
-- pg_timezone_names reads the whole zoneinfo tree (~50 ms).  Zones added by
-- a later tzdata update are still found through the slow path.
CREATE TABLE cv_zones (name text PRIMARY KEY);
INSERT INTO cv_zones
    SELECT name FROM pg_timezone_names
    WHERE name !~ '^(posix|right)/' AND name NOT IN ('localtime', 'posixrules', 'Factory')
    ON CONFLICT DO NOTHING;

CREATE FUNCTION cv_zone_known(tz text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT tz IS NOT NULL AND (
        EXISTS (SELECT 1 FROM cv_zones WHERE name = tz)
        OR (tz !~ '^(posix|right)/' AND tz NOT IN ('localtime', 'posixrules', 'Factory')
            AND EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = tz)))
$$;

-- Every UTC instant whose wall-clock time in TZ is LOCAL: the first one
-- and how many there are (0: inside a DST gap, 2: in a DST fold).  The
-- candidates use the zone's offsets a day before, at and a day after
-- PostgreSQL's own answer, which covers every real transition.
CREATE FUNCTION cv_local_instants(local timestamp, tz text,
                                  OUT first timestamptz, OUT n integer)
LANGUAGE sql STABLE AS $$
    WITH u AS (SELECT local AT TIME ZONE tz AS u),
    c AS (
        SELECT DISTINCT (local - ((i AT TIME ZONE tz) - (i AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC' AS c
        FROM u, unnest(ARRAY[u.u - interval '1 day', u.u, u.u + interval '1 day']) AS i
    )
    SELECT min(c), count(*)::integer FROM c WHERE (c AT TIME ZONE tz) = local
$$;

-- LOCAL wall-clock time in zone TZ -> UTC instant.  Rejects unknown zones
-- (field 'tz') and times inside a DST gap (field FIELD) unless LENIENT
-- (then PostgreSQL's reading is taken: used for all-day midnights).  A time
-- in a DST fold takes the first occurrence and sets ambiguous.
CREATE FUNCTION cv_local_to_utc(local timestamp, tz text, field text DEFAULT NULL,
                                lenient boolean DEFAULT false,
                                OUT utc timestamptz, OUT ambiguous boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
BEGIN
    IF NOT cv_zone_known(tz) THEN
        PERFORM cv_fail(422, 'tz', format('field tz: unknown time zone %L: an IANA name such as Europe/Rome is expected', tz));
    END IF;
    IF local IS NULL THEN
        PERFORM cv_fail(422, field, format('field %s: a local time is required', coalesce(field, 'time')));
    END IF;
    SELECT * INTO r FROM cv_local_instants(local, tz);
    IF r.n = 0 THEN
        IF lenient THEN
            utc := local AT TIME ZONE tz;
            ambiguous := false;
            RETURN;
        END IF;
        PERFORM cv_fail(422, field, format(
            'field %s: %s does not exist in %s (the clocks skip it when summer time starts)',
            coalesce(field, 'time'), to_char(local, 'YYYY-MM-DD"T"HH24:MI'), tz));
    END IF;
    utc := r.first;
    ambiguous := r.n > 1;
END $$;

-- Output helpers.
CREATE FUNCTION cv_iso_local(t timestamp) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS') $$;

CREATE FUNCTION cv_iso_utc(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- The zone's UTC offset at instant I, and the instant at which LOCAL has
-- offset OFF (small expressions PostgreSQL inlines).
CREATE FUNCTION cv_offset_at(i timestamptz, tz text) RETURNS interval
LANGUAGE sql STABLE AS $$ SELECT (i AT TIME ZONE tz) - (i AT TIME ZONE 'UTC') $$;

CREATE FUNCTION cv_with_offset(local timestamp, off interval) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT (local - off) AT TIME ZONE 'UTC' $$;

-- True when LOCAL in TZ also names an instant other than UTC (a DST fold):
-- tried with the offsets a day before and after UTC.
CREATE FUNCTION cv_is_fold(local timestamp, tz text, utc timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (cv_with_offset(local, cv_offset_at(utc - interval '1 day', tz)) <> utc
         AND (cv_with_offset(local, cv_offset_at(utc - interval '1 day', tz)) AT TIME ZONE tz) = local)
        OR (cv_with_offset(local, cv_offset_at(utc + interval '1 day', tz)) <> utc
            AND (cv_with_offset(local, cv_offset_at(utc + interval '1 day', tz)) AT TIME ZONE tz) = local),
        false)
$$;

-- {"local", "tz", "utc", "ambiguous"} for an instant entered as LOCAL in TZ;
-- AS_DATE shows the local part as a date (all-day events).
CREATE FUNCTION cv_time_json(local timestamp, tz text, utc timestamptz, as_date boolean DEFAULT false)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN utc IS NULL THEN NULL ELSE json_build_object(
        'local', CASE WHEN as_date THEN to_char(local, 'YYYY-MM-DD') ELSE cv_iso_local(local) END,
        'tz', tz,
        'utc', cv_iso_utc(utc),
        'ambiguous', NOT as_date AND cv_is_fold(local, tz, utc))
    END
$$;

-- An ISO 8601 duration as the reminder offsets accept it (PnW, PnD, PTnH,
-- PTnM, PTnS and combinations like P1DT2H).
CREATE FUNCTION cv_duration_ok(d text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT d ~ '^P(\d+W|\d+D(T(\d+H)?(\d+M)?(\d+S)?)?|T(\d+H)?(\d+M)?(\d+S)?)$' AND d !~ 'T$'
$$;

CREATE FUNCTION cv_reminders_from(body jsonb) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    a text[];
    x text;
BEGIN
    IF jsonb_typeof(body->'reminders') IS DISTINCT FROM 'array' THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(v ORDER BY o) INTO a FROM jsonb_array_elements(body->'reminders') WITH ORDINALITY AS t(j, o),
        LATERAL (SELECT CASE WHEN jsonb_typeof(j) = 'string' THEN j #>> '{}' END AS v) s;
    FOREACH x IN ARRAY coalesce(a, '{}') LOOP
        IF x IS NULL OR NOT cv_duration_ok(x) THEN
            PERFORM cv_fail(422, 'reminders', 'field reminders: each offset must be an ISO 8601 duration such as P7D, P1D or PT2H');
        END IF;
    END LOOP;
    IF coalesce(array_length(a, 1), 0) > 8 THEN
        PERFORM cv_fail(422, 'reminders', 'field reminders: at most 8 offsets');
    END IF;
    RETURN coalesce(a, '{}');
END $$;

-- ------------------------------------------------------------ projects

CREATE FUNCTION cv_project_json(p projects) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'slug', p.slug, 'title', p.title,
        'programme', p.programme, 'description', p.description,
        'created_at', cv_iso_utc(p.created_at), 'updated_at', cv_iso_utc(p.updated_at))
$$;

CREATE FUNCTION cv_project_create(body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    p projects;
BEGIN
    INSERT INTO projects (slug, title, programme, description)
    VALUES (body->>'slug', body->>'title', coalesce(body->>'programme', ''),
            coalesce(body->>'description', ''))
    ON CONFLICT (slug) DO NOTHING
    RETURNING * INTO p;
    IF p.id IS NULL THEN
        PERFORM cv_fail(409, 'slug', format('field slug: a project %L already exists', body->>'slug'));
    END IF;
    RETURN cv_project_json(p);
END $$;

CREATE FUNCTION cv_project_id(slug text, field text DEFAULT 'project', status integer DEFAULT 422)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    i bigint;
BEGIN
    SELECT id INTO i FROM projects p WHERE p.slug = cv_project_id.slug;
    IF i IS NULL THEN
        PERFORM cv_fail(status, field, format('field %s: no project %L', field, slug));
    END IF;
    RETURN i;
END $$;

-- ------------------------------------------------------- organisations

CREATE FUNCTION cv_organisation_json(o organisations) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', o.id, 'name', o.name, 'country', o.country,
        'city', o.city, 'created_at', cv_iso_utc(o.created_at))
$$;

CREATE FUNCTION cv_organisation_create(body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    o organisations;
BEGIN
    INSERT INTO organisations (name, country, city)
    VALUES (body->>'name', body->>'country', coalesce(body->>'city', ''))
    ON CONFLICT DO NOTHING
    RETURNING * INTO o;
    IF o.id IS NULL THEN
        PERFORM cv_fail(409, 'name', format('field name: an organisation %L in %s already exists',
                                            body->>'name', body->>'country'));
    END IF;
    RETURN cv_organisation_json(o);
END $$;

-- -------------------------------------------------------------- events

-- An event as the API shows it; WARNINGS (fold notes of this write) are
-- added.  PL/pgSQL: its plans stay cached, which makes lists ~2x faster.
CREATE FUNCTION cv_event_json(e events, warnings text[] DEFAULT NULL) RETURNS json
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

-- A local time field of BODY for an event: a date when ALL_DAY, otherwise a
-- date and time.  Raises 422 naming FIELD when the form is wrong.
CREATE FUNCTION cv_parse_local(body jsonb, field text, all_day boolean) RETURNS timestamp
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    s text := body->>field;
BEGIN
    IF all_day AND s !~ '^\d{4}-\d{2}-\d{2}$' THEN
        PERFORM cv_fail(422, field, format('field %s: an all-day event takes a date YYYY-MM-DD', field));
    ELSIF NOT all_day AND s !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$' THEN
        PERFORM cv_fail(422, field, format('field %s: a local time YYYY-MM-DDTHH:MM is expected', field));
    END IF;
    RETURN s::timestamp;
EXCEPTION
    WHEN datetime_field_overflow OR invalid_datetime_format THEN
        PERFORM cv_fail(422, field, format('field %s: %s is not a date in the calendar', field, s));
        RETURN NULL;
END $$;

-- Convert LOCAL in the event's zone, adding a warning to W for a fold.
CREATE FUNCTION cv_event_instant(local timestamp, tz text, field text, lenient boolean,
                                 INOUT w text[], OUT utc timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
BEGIN
    r := cv_local_to_utc(local, tz, field, lenient);
    utc := r.utc;
    IF r.ambiguous THEN
        w := w || format('%s %s occurs twice in %s (clocks go back); the first occurrence, %s, was taken',
                         field, to_char(local, 'YYYY-MM-DD"T"HH24:MI'), tz, cv_iso_utc(r.utc));
    END IF;
END $$;

-- Write the outbox rows that tell every registered person about a change.
CREATE FUNCTION cv_event_notify(e events, kind text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, dedupe_key)
    SELECT kind, p.email, p.name, p.language, p.id, e.id, r.id,
           CASE kind WHEN 'event_cancelled' THEN format('cxl:%s:%s', e.id, r.id)
                     ELSE format('upd:%s:%s:%s', e.id, r.id, e.sequence) END
    FROM registrations r JOIN people p ON p.id = r.person_id
    WHERE r.event_id = e.id AND r.state IN ('pending', 'confirmed', 'waitlisted')
    ORDER BY r.id
    ON CONFLICT (dedupe_key) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- Create (ID NULL) or update event ID from the validated API body.  HOST
-- names the UID's domain.  Returns the event as JSON (cv_event_json).
CREATE FUNCTION cv_event_write(p_id bigint, body jsonb, host text) RETURNS json
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

    IF body ? 'kind' THEN n.kind := (body->>'kind')::event_kind; END IF;
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
    IF (moved OR restated OR n.reminders IS DISTINCT FROM o.reminders)
       AND to_regprocedure('cv_schedule_event_reminders(bigint)') IS NOT NULL THEN
        PERFORM cv_schedule_event_reminders(n.id);
    END IF;
    IF ((n.capacity IS NULL AND o.capacity IS NOT NULL) OR n.capacity > o.capacity
        OR (n.org_cap IS NULL AND o.org_cap IS NOT NULL) OR n.org_cap > o.org_cap)
       AND to_regprocedure('cv_promote_waitlist(bigint)') IS NOT NULL THEN
        PERFORM cv_promote_waitlist(n.id);
    END IF;
    RETURN cv_event_json(n, w);
END $$;

-- Cancel event ID: status cancelled, SEQUENCE+1, its pending outbox rows
-- (reminders, confirmation requests, updates) cancelled, event_cancelled to
-- every registered person.  Cancelling a cancelled event changes nothing.
CREATE FUNCTION cv_event_cancel(p_id bigint) RETURNS json
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
    IF to_regprocedure('cv_schedule_event_reminders(bigint)') IS NOT NULL THEN
        PERFORM cv_schedule_event_reminders(e.id);
    END IF;
    RETURN cv_event_json(e);
END $$;

CREATE FUNCTION cv_event_get(p_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT cv_event_json(e) FROM events e WHERE e.id = p_id
$$;

-- Events, earliest first; PROJECT (slug) NULL for all, unknown -> 404.
CREATE FUNCTION cv_event_list(project text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pid bigint;
    res json;
BEGIN
    IF project IS NOT NULL THEN
        pid := cv_project_id(project, 'project', 404);
    END IF;
    SELECT coalesce(json_agg(cv_event_json(e) ORDER BY e.start_at, e.id), '[]') INTO res
    FROM events e WHERE pid IS NULL OR e.project_id = pid;
    RETURN res;
END $$;

-- ----------------------------------------------------------- deadlines

CREATE FUNCTION cv_deadline_json(d deadlines, warnings text[] DEFAULT NULL) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'uid', d.uid, 'sequence', d.sequence,
        'project', (SELECT slug FROM projects WHERE id = d.project_id),
        'kind', d.kind, 'title', d.title, 'description', d.description, 'url', d.url,
        'tz', d.tz, 'due', t.due,
        'status', d.status, 'reminders', d.reminders,
        'ambiguous_time', coalesce(array_length(warnings, 1), 0) > 0
            OR coalesce((t.due->>'ambiguous')::boolean, false),
        'warnings', coalesce(warnings, '{}'),
        'created_at', cv_iso_utc(d.created_at), 'updated_at', cv_iso_utc(d.updated_at))
    FROM (SELECT cv_time_json(d.due_local, d.tz, d.due_at) AS due) t
$$;

-- Create (ID NULL) or update deadline ID from the validated API body.
CREATE FUNCTION cv_deadline_write(p_id bigint, body jsonb, host text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    o deadlines;
    n deadlines;
    w text[] := '{}';
    r record;
BEGIN
    IF p_id IS NULL THEN
        n.project_id := cv_project_id(body->>'project');
        n.description := ''; n.url := ''; n.status := 'published'; n.sequence := 0;
        n.uid := gen_random_uuid()::text || '@' || host;
    ELSE
        SELECT * INTO o FROM deadlines WHERE id = p_id FOR UPDATE;
        IF NOT FOUND THEN
            PERFORM cv_fail(404, NULL, format('no deadline %s', p_id));
        END IF;
        n := o;
    END IF;
    IF body ? 'kind' THEN n.kind := (body->>'kind')::deadline_kind; END IF;
    IF body ? 'title' THEN n.title := body->>'title'; END IF;
    IF body ? 'description' THEN n.description := coalesce(body->>'description', ''); END IF;
    IF body ? 'url' THEN n.url := coalesce(body->>'url', ''); END IF;
    IF body ? 'tz' THEN n.tz := body->>'tz'; END IF;
    IF body ? 'status' THEN n.status := (body->>'status')::item_status; END IF;
    IF body ? 'reminders' THEN n.reminders := cv_reminders_from(body); END IF;
    IF NOT cv_zone_known(n.tz) THEN
        PERFORM cv_fail(422, 'tz', format('field tz: unknown time zone %L: an IANA name such as Europe/Rome is expected', n.tz));
    END IF;
    IF body ? 'due' THEN n.due_local := cv_parse_local(body, 'due', false); END IF;
    r := cv_event_instant(n.due_local, n.tz, 'due', false, w);
    w := r.w; n.due_at := r.utc;

    IF p_id IS NULL THEN
        INSERT INTO deadlines (project_id, kind, title, description, url, tz, due_local,
                               due_at, status, reminders, uid)
        VALUES (n.project_id, n.kind, n.title, n.description, n.url, n.tz, n.due_local,
                n.due_at, n.status, n.reminders, n.uid)
        RETURNING * INTO n;
    ELSE
        IF n.due_local <> o.due_local OR n.tz <> o.tz OR n.due_at <> o.due_at
           OR n.status <> o.status THEN
            n.sequence := o.sequence + 1;
        END IF;
        UPDATE deadlines SET kind = n.kind, title = n.title, description = n.description,
            url = n.url, tz = n.tz, due_local = n.due_local, due_at = n.due_at,
            status = n.status, reminders = n.reminders, sequence = n.sequence,
            updated_at = now()
        WHERE id = p_id RETURNING * INTO n;
        IF n.status = 'cancelled' AND o.status <> 'cancelled' THEN
            UPDATE outbox SET state = 'cancelled', last_error = 'deadline cancelled', updated_at = now()
            WHERE deadline_id = p_id AND state = 'pending';
        END IF;
    END IF;
    IF (p_id IS NULL OR n.due_at <> o.due_at OR n.status <> o.status
        OR n.reminders IS DISTINCT FROM o.reminders)
       AND to_regprocedure('cv_schedule_deadline_reminders(bigint)') IS NOT NULL THEN
        PERFORM cv_schedule_deadline_reminders(n.id);
    END IF;
    RETURN cv_deadline_json(n, w);
END $$;

CREATE FUNCTION cv_deadline_get(p_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT cv_deadline_json(d) FROM deadlines d WHERE d.id = p_id
$$;

CREATE FUNCTION cv_deadline_list(project text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pid bigint;
    res json;
BEGIN
    IF project IS NOT NULL THEN
        pid := cv_project_id(project, 'project', 404);
    END IF;
    SELECT coalesce(json_agg(cv_deadline_json(d) ORDER BY d.due_at, d.id), '[]') INTO res
    FROM deadlines d WHERE pid IS NULL OR d.project_id = pid;
    RETURN res;
END $$;

-- A project with its events and deadlines; NULL when there is none.
CREATE FUNCTION cv_project_get(p_slug text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'slug', p.slug, 'title', p.title,
        'programme', p.programme, 'description', p.description,
        'created_at', cv_iso_utc(p.created_at), 'updated_at', cv_iso_utc(p.updated_at),
        'events', (SELECT coalesce(json_agg(cv_event_json(e) ORDER BY e.start_at, e.id), '[]')
                   FROM events e WHERE e.project_id = p.id),
        'deadlines', (SELECT coalesce(json_agg(cv_deadline_json(d) ORDER BY d.due_at, d.id), '[]')
                      FROM deadlines d WHERE d.project_id = p.id))
    FROM projects p WHERE p.slug = p_slug
$$;
