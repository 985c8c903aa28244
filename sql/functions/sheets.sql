-- sheets.sql - what the funder's paper shows (issue 14, items 3 and 5):
-- the signature sheets of an event (GET /api/events/{id}/sheets.pdf) and
-- a participant's certificate of attendance.  C renders the JSON these
-- return as PDF (daemon/sheets.c); the choices are made here.

-- Noon of day D in zone TZ as Unix seconds: an instant that is on D in TZ
-- whatever the DST, for printing the day in the reader's language.
CREATE OR REPLACE FUNCTION cv_day_noon(d date, tz text)
RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT extract(epoch FROM (d + time '12:00') AT TIME ZONE tz)::bigint
$$;

-- The label map LABEL ({"en": ..., "pl": ...}) in LANG, else English.
CREATE OR REPLACE FUNCTION cv_label_in(label jsonb, lang text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(label->>lang, label->>'en')
$$;

-- Registration P_REG's answer to question Q as a sheet's cell in LANG:
-- options by their labels, yes/no as a tick or a cross, text as written;
-- NULL when not answered.
CREATE OR REPLACE FUNCTION cv_sheet_cell(q questions, p_reg bigint, lang text)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN q.kind IN ('choice', 'choices') THEN
                    (SELECT string_agg(cv_label_in(o.label, lang), '; ' ORDER BY o.position)
                       FROM question_options o
                      WHERE o.question_id = q.id
                        AND (a.value = to_jsonb(o.value)
                             OR (jsonb_typeof(a.value) = 'array' AND a.value ? o.value)))
                WHEN jsonb_typeof(a.value) = 'boolean' THEN
                    CASE WHEN a.value = 'true' THEN '✓' ELSE '✗' END
                ELSE cv_answer_cell(a.value) END
      FROM answers a WHERE a.registration_id = p_reg AND a.question_id = q.id
$$;

-- The signature sheets of event P_EVENT as one JSON document, NULL when
-- the event does not exist: the event and its project (for the header),
-- the days (all of the event's, or only P_DAY) and one sheet per day and
-- invited town (the participant organisation's city and country), local
-- (the organisation is in the venue's country) before international.
-- Who is listed: every confirmed registration that came through the
-- usual registration (expected on every day: the list people sign at the
-- door), and walk-ins on the days they were marked attended.  People whose
-- data retention anonymised are not listed.  Each person has name,
-- organisation, town, country and email, sorted by name as people read
-- an alphabet (ICU's root collation, not the database's byte order).
--
-- P_GROUP (the key of a choice or choices question the event asks):
-- instead of towns, one sheet per day and group (option) with people in
-- it, in the options' order, each with "group" {"value", "label"}, then
-- one with "group" null for those who chose none (with choices, a person
-- is on the sheet of each group chosen).  P_COLUMNS (keys of questions
-- the event asks, at most 6; NULL: the questions flagged for the funder,
-- 019): "columns" [{"key", "label"}] and per person "answers", one cell
-- per column (cv_sheet_cell).  Labels in P_LANG, else English.  A key
-- that is not one of the event's questions is refused naming group or
-- columns.
CREATE OR REPLACE FUNCTION cv_signature_sheets(p_event bigint, p_day date DEFAULT NULL,
                                               p_group text DEFAULT NULL,
                                               p_columns text[] DEFAULT NULL,
                                               p_lang text DEFAULT 'en')
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e events;
    v_days date[];
    g questions;
    v_cols bigint[];
    k text;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_days := ARRAY(SELECT d FROM cv_attendance_days(e) AS d ORDER BY d);
    IF p_day IS NOT NULL THEN
        IF NOT p_day = ANY (v_days) THEN
            PERFORM cv_fail(422, 'day', format('day: one of the event''s days, %s to %s',
                            v_days[1], v_days[array_length(v_days, 1)]));
        END IF;
        v_days := ARRAY[p_day];
    END IF;
    IF p_group IS NOT NULL THEN
        SELECT * INTO g FROM cv_event_questions(p_event) q WHERE q.key = p_group;
        IF NOT FOUND OR g.kind NOT IN ('choice', 'choices') THEN
            PERFORM cv_fail(422, 'group', format('group: %s is not a choice question of this '
                            'event', p_group));
        END IF;
    END IF;
    IF p_columns IS NULL THEN
        v_cols := ARRAY(SELECT q.id FROM cv_event_questions(p_event) q WHERE q.evidence);
    ELSE
        IF cardinality(p_columns) > 6 THEN
            PERFORM cv_fail(422, 'columns', 'columns: at most 6 questions');
        END IF;
        FOREACH k IN ARRAY p_columns LOOP
            IF NOT EXISTS (SELECT 1 FROM cv_event_questions(p_event) q WHERE q.key = k) THEN
                PERFORM cv_fail(422, 'columns', format('columns: %s is not a question of this '
                                'event', k));
            END IF;
        END LOOP;
        v_cols := ARRAY(SELECT q.id FROM cv_event_questions(p_event) q
                          JOIN unnest(p_columns) WITH ORDINALITY AS c(key, o) ON c.key = q.key
                         ORDER BY c.o);
    END IF;
    RETURN (
    WITH people_on AS (
        SELECT d.day, r.id AS reg, p.name, coalesce(o.name, '') AS organisation,
               coalesce(o.city, '') AS town, coalesce(o.country, '') AS country,
               p.email, (o.country IS NOT NULL AND o.country = e.country) AS local
          FROM unnest(v_days) AS d(day)
          JOIN registrations r ON r.event_id = e.id AND r.state = 'confirmed'
          JOIN people p ON p.id = r.person_id AND p.anonymised_at IS NULL
          LEFT JOIN organisations o ON o.id = coalesce(r.organisation_id, p.organisation_id)
         WHERE r.origin = 'registered'
            OR EXISTS (SELECT 1 FROM attendance a
                        WHERE a.registration_id = r.id AND a.day = d.day
                          AND a.state = 'attended')),
    -- the group of each person (P_GROUP): one row per group chosen, a
    -- NULL group for none
    grouped AS (
        SELECT po.*, gr.value AS gvalue, gr.position AS gpos, gr.label AS glabel
          FROM people_on po
          LEFT JOIN LATERAL (
              SELECT o.value, o.position, o.label
                FROM answers a JOIN question_options o ON o.question_id = a.question_id
               WHERE a.registration_id = po.reg AND a.question_id = g.id
                 AND (a.value = to_jsonb(o.value)
                      OR (jsonb_typeof(a.value) = 'array' AND a.value ? o.value))) gr
            ON g.id IS NOT NULL),
    sheets AS (
        SELECT day,
               CASE WHEN g.id IS NULL THEN local END AS local,
               CASE WHEN g.id IS NULL THEN town END AS town,
               CASE WHEN g.id IS NULL THEN country END AS country,
               gvalue, gpos, glabel,
               json_agg(json_build_object('name', name, 'organisation', organisation,
                                          'town', town, 'country', country,
                                          'email', email,
                                          'answers', (SELECT coalesce(json_agg(
                                                          cv_sheet_cell(q, reg, p_lang)
                                                          ORDER BY c.o), '[]')
                                                        FROM unnest(v_cols) WITH ORDINALITY
                                                             AS c(id, o)
                                                        JOIN questions q ON q.id = c.id))
                        -- alphabetical across languages (ICU's root
                        -- collation: Ł after L, Å after A, not after Z)
                        ORDER BY name COLLATE "und-x-icu", email) AS people
          FROM grouped
         GROUP BY 1, 2, 3, 4, gvalue, gpos, glabel)
    SELECT json_build_object(
        'event', json_build_object(
            'id', e.id, 'title', e.title, 'venue', e.venue, 'city', e.city,
            'country', e.country, 'tz', e.tz, 'all_day', e.all_day,
            'start', to_char(e.start_local, 'YYYY-MM-DD"T"HH24:MI'),
            'end', to_char(e.end_local, 'YYYY-MM-DD"T"HH24:MI'),
            'start_epoch', extract(epoch FROM e.start_at)::bigint,
            'end_epoch', extract(epoch FROM e.end_at)::bigint,
            'first_day', (SELECT min(d) FROM cv_attendance_days(e) AS d)::text,
            'last_day', (SELECT max(d) FROM cv_attendance_days(e) AS d)::text),
        'project', (SELECT json_build_object('title', pr.title, 'programme', pr.programme)
                      FROM projects pr WHERE pr.id = e.project_id),
        'days', to_json(v_days),
        'group', CASE WHEN g.id IS NOT NULL THEN
                     json_build_object('key', g.key, 'label', cv_label_in(g.label, p_lang)) END,
        'columns', (SELECT coalesce(json_agg(json_build_object(
                                        'key', q.key, 'label', cv_label_in(q.label, p_lang))
                                    ORDER BY c.o), '[]')
                      FROM unnest(v_cols) WITH ORDINALITY AS c(id, o)
                      JOIN questions q ON q.id = c.id),
        'sheets', coalesce((SELECT json_agg(json_build_object(
                       'day', s.day, 'day_epoch', cv_day_noon(s.day, e.tz),
                       'scope', CASE WHEN g.id IS NOT NULL THEN 'group'
                                     WHEN s.local THEN 'local'
                                     ELSE 'international' END,
                       'town', coalesce(s.town, ''), 'country', coalesce(s.country, ''),
                       'group', CASE WHEN s.gvalue IS NOT NULL THEN
                                    json_build_object('value', s.gvalue,
                                                      'label', cv_label_in(s.glabel, p_lang)) END,
                       'people', s.people)
                       ORDER BY s.day, s.gpos NULLS LAST, NOT s.local, s.country, s.town)
                     FROM sheets s), '[]'::json)));
END
$$;

-- The certificate of attendance that outbox row P_OUTBOX (kind
-- attendance_certificate) carries, as JSON: the person's name and
-- organisation, the event and project, and the days the registration was
-- marked attended (in the event's zone, in order; each with an instant on
-- it, for printing).  NULL when the row,
-- its registration or any attended day is missing (the mail then fails:
-- there is nothing to certify).
CREATE OR REPLACE FUNCTION cv_certificate(p_outbox bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'name', p.name,
        'organisation', coalesce(o.name, ''),
        'language', ob.language,
        'event', json_build_object(
            'id', e.id, 'title', e.title, 'venue', e.venue, 'city', e.city,
            'country', e.country, 'tz', e.tz, 'all_day', e.all_day,
            'start_epoch', extract(epoch FROM e.start_at)::bigint,
            'end_epoch', extract(epoch FROM e.end_at)::bigint,
            'first_day', (SELECT min(d) FROM cv_attendance_days(e) AS d)::text,
            'last_day', (SELECT max(d) FROM cv_attendance_days(e) AS d)::text),
        'project', json_build_object('title', pr.title, 'programme', pr.programme),
        'days', (SELECT json_agg(json_build_object('day', a.day::text,
                                                   'epoch', cv_day_noon(a.day, e.tz))
                                 ORDER BY a.day)
                   FROM attendance a
                  WHERE a.registration_id = r.id AND a.state = 'attended'))
      FROM outbox ob
      JOIN registrations r ON r.id = ob.registration_id
      JOIN people p ON p.id = r.person_id AND p.anonymised_at IS NULL
      JOIN events e ON e.id = r.event_id
      JOIN projects pr ON pr.id = e.project_id
      LEFT JOIN organisations o ON o.id = coalesce(r.organisation_id, p.organisation_id)
     WHERE ob.id = p_outbox AND ob.kind = 'attendance_certificate'
       AND EXISTS (SELECT 1 FROM attendance a
                    WHERE a.registration_id = r.id AND a.state = 'attended')
$$;

-- Queue the certificate of registration R (one outbox row, in the
-- person's language) under DEDUPE; true when a row was added.
CREATE OR REPLACE FUNCTION cv_certificate_enqueue(r registrations, p_dedupe text)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, dedupe_key)
    SELECT 'attendance_certificate', p.email, p.name, p.language, p.id,
           r.event_id, r.id, p_dedupe
      FROM people p
     WHERE p.id = r.person_id AND p.anonymised_at IS NULL
    ON CONFLICT (dedupe_key) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
END
$$;

-- POST /api/events/{id}/certificates: queue one certificate for every
-- confirmed registration of event P_EVENT marked attended on at least one
-- day that has none queued or sent yet (a second call queues none for
-- them).  {"queued": n, "already": m} (m: attendees who had one); 404
-- when the event does not exist.
CREATE OR REPLACE FUNCTION cv_certificates_queue(p_event bigint)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    r registrations;
    v_queued integer := 0;
    v_already integer := 0;
BEGIN
    PERFORM 1 FROM events WHERE id = p_event FOR SHARE;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'event', 'no such event');
    END IF;
    FOR r IN SELECT * FROM registrations rr
              WHERE rr.event_id = p_event AND rr.state = 'confirmed'
                AND EXISTS (SELECT 1 FROM attendance a
                             WHERE a.registration_id = rr.id AND a.state = 'attended')
              ORDER BY rr.id FOR UPDATE LOOP
        IF EXISTS (SELECT 1 FROM outbox ob
                    WHERE ob.registration_id = r.id AND ob.kind = 'attendance_certificate'
                      AND ob.state <> 'cancelled') THEN
            v_already := v_already + 1;
        ELSIF cv_certificate_enqueue(r, 'certificate:' || r.id) THEN
            v_queued := v_queued + 1;
        END IF;
    END LOOP;
    RETURN json_build_object('queued', v_queued, 'already', v_already);
END
$$;

-- POST /r/{token}/certificate: the participant asks for their
-- certificate.  Queued when the registration was marked attended on some
-- day; at most one request a day (a second one the same day queues
-- nothing and says so).  {"queued": true|false}; 404 for an unknown
-- token, 409 when no day is marked attended.
CREATE OR REPLACE FUNCTION cv_certificate_request(p_token text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    r registrations;
BEGIN
    SELECT * INTO r FROM registrations WHERE token = p_token FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'token', 'no such registration');
    END IF;
    IF r.state <> 'confirmed' OR NOT EXISTS (
            SELECT 1 FROM attendance a WHERE a.registration_id = r.id AND a.state = 'attended') THEN
        PERFORM cv_fail(409, 'registration', 'no day of the event is marked attended: '
                        'there is nothing to certify yet');
    END IF;
    RETURN json_build_object('queued', cv_certificate_enqueue(
        r, 'certificate:' || r.id || ':request:' || current_date));
END
$$;

-- Whether the registration with token P_TOKEN has a day marked attended
-- (the token page shows the certificate button then).
CREATE OR REPLACE FUNCTION cv_certificate_available(p_token text)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM registrations r JOIN attendance a ON a.registration_id = r.id
                    WHERE r.token = p_token AND r.state = 'confirmed' AND a.state = 'attended')
$$;
