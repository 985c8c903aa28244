-- attendance.sql - who actually came (issue 14, item 1): marking a
-- confirmed registration attended or no_show per event day, undoing a
-- mark, adding a walk-in on the spot, and the event's marks as JSON
-- (GET/POST /api/events/{id}/attendance, POST /api/events/{id}/walk-ins).
-- Refusals go through cv_fail (errors.sql) and change nothing.

-- The days of an event, in its zone: from the start's date to the date of
-- the last instant before the end (an all-day event's end is exclusive).
CREATE OR REPLACE FUNCTION cv_attendance_days(e events)
RETURNS SETOF date
LANGUAGE sql STABLE AS $$
    SELECT d::date
      FROM generate_series(e.start_local::date,
                           (e.end_local - interval '1 microsecond')::date,
                           interval '1 day') AS d
$$;

-- Refuse (cv_fail) a mark or unmark of DAY for event E: the event is not
-- cancelled, DAY is one of its days, and, unless P_ADMIN, now is between
-- the start of the day before the event (in its zone) and
-- attendance_settings.mark_until_after after its end.
CREATE OR REPLACE FUNCTION cv_attendance_check(e events, p_day date, p_admin boolean)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_from timestamptz := ((e.start_local::date - 1)::timestamp) AT TIME ZONE e.tz;
    v_until timestamptz := e.end_at + (SELECT mark_until_after FROM attendance_settings);
BEGIN
    IF e.status = 'cancelled' THEN
        PERFORM cv_fail(409, 'event', 'the event is cancelled: no attendance is marked');
    END IF;
    IF p_day IS NULL OR p_day NOT IN (SELECT cv_attendance_days(e)) THEN
        PERFORM cv_fail(422, 'day', format('day: one of the event''s days, %s to %s',
                        e.start_local::date, (e.end_local - interval '1 microsecond')::date));
    END IF;
    IF NOT coalesce(p_admin, false) AND now() < v_from THEN
        PERFORM cv_fail(409, 'day', format('attendance can be marked from %s (the day before '
                        'the event), unless overridden', cv_iso_utc(v_from)));
    END IF;
    IF NOT coalesce(p_admin, false) AND now() > v_until THEN
        PERFORM cv_fail(409, 'day', format('attendance could be marked until %s (%s after '
                        'the event), unless overridden', cv_iso_utc(v_until),
                        (SELECT mark_until_after FROM attendance_settings)));
    END IF;
END
$$;

-- One registration with its marks, as the list and the writes show it.
CREATE OR REPLACE FUNCTION cv_attendance_reg_json(p_reg bigint)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'registration', r.id,
        'state', r.state,
        'origin', r.origin,
        'name', p.name,
        'email', p.email,
        'organisation', o.name,
        'country', o.country,
        'marks', COALESCE((SELECT jsonb_object_agg(a.day::text, jsonb_build_object(
                                      'state', a.state,
                                      'marked_at', cv_iso_utc(a.marked_at),
                                      'marked_by', a.marked_by) ORDER BY a.day)
                             FROM attendance a WHERE a.registration_id = r.id), '{}'))
      FROM registrations r
      JOIN people p ON p.id = r.person_id
      LEFT JOIN organisations o ON o.id = coalesce(r.organisation_id, p.organisation_id)
     WHERE r.id = p_reg
$$;

-- The registration P_REG of event P_EVENT, its row locked, with the event
-- (404 when either is missing or the registration is another event's).
CREATE OR REPLACE FUNCTION cv_attendance_target(p_event bigint, p_reg bigint,
                                                OUT e events, OUT r registrations)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'event', 'no such event');
    END IF;
    SELECT * INTO r FROM registrations WHERE id = p_reg AND event_id = p_event FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'registration', 'registration: no such registration for this event');
    END IF;
END
$$;

-- POST /api/events/{id}/attendance: mark registration P_REG of P_EVENT
-- P_STATE ('attended' or 'no_show') on P_DAY, recorded as made now by
-- P_BY.  Only a confirmed registration; the day and the time as
-- cv_attendance_check says.  Marking again replaces the mark.  Returns
-- the registration as cv_attendance_reg_json shows it.
CREATE OR REPLACE FUNCTION cv_attendance_mark(p_event bigint, p_reg bigint, p_day date,
                                              p_state text, p_by text, p_admin boolean)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    t := cv_attendance_target(p_event, p_reg);
    IF p_state IS NULL OR p_state NOT IN ('attended', 'no_show') THEN
        PERFORM cv_fail(422, 'state', 'state: attended, no_show or none');
    END IF;
    IF (t.r).state <> 'confirmed' THEN
        PERFORM cv_fail(409, 'registration', format('registration: only a confirmed '
                        'registration is marked (this one is %s)', (t.r).state));
    END IF;
    PERFORM cv_attendance_check(t.e, p_day, p_admin);
    INSERT INTO attendance (registration_id, day, state, marked_at, marked_by)
    VALUES (p_reg, p_day, p_state, now(), coalesce(nullif(btrim(p_by), ''), 'admin API'))
    ON CONFLICT (registration_id, day) DO UPDATE
       SET state = EXCLUDED.state, marked_at = EXCLUDED.marked_at,
           marked_by = EXCLUDED.marked_by;
    RETURN cv_attendance_reg_json(p_reg)::json;
END
$$;

-- State "none" or DELETE: remove the mark of P_REG on P_DAY (none there is
-- not an error).  The day and the time as for a mark; the registration
-- may since have been cancelled.  Returns the registration's marks.
CREATE OR REPLACE FUNCTION cv_attendance_unmark(p_event bigint, p_reg bigint, p_day date,
                                                p_admin boolean)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    t := cv_attendance_target(p_event, p_reg);
    PERFORM cv_attendance_check(t.e, p_day, p_admin);
    DELETE FROM attendance WHERE registration_id = p_reg AND day = p_day;
    RETURN cv_attendance_reg_json(p_reg)::json;
END
$$;

-- POST /api/events/{id}/walk-ins: someone came without registering.  The
-- person is found by email or created (P_NAME, organisation P_ORG or
-- none), a confirmed registration with origin 'walk_in' is added (no mail
-- goes out) and marked attended on P_DAY (NULL: today in the event's
-- zone) by P_BY.  Tokens come from the caller.  The day and the time as
-- for a mark; a person already registered for the event is refused (mark
-- that registration instead).  Returns the new registration (201).
CREATE OR REPLACE FUNCTION cv_attendance_walk_in(p_event bigint, p_email text, p_name text,
                                                 p_org bigint, p_day date, p_by text,
                                                 p_admin boolean, p_token text,
                                                 p_feed_token text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    e events%ROWTYPE;
    v_day date;
    v_person bigint;
    v_reg bigint;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'event', 'no such event');
    END IF;
    v_day := coalesce(p_day, (now() AT TIME ZONE e.tz)::date);
    PERFORM cv_attendance_check(e, v_day, p_admin);
    IF p_org IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organisations WHERE id = p_org) THEN
        PERFORM cv_fail(422, 'organisation', 'organisation: no such organisation');
    END IF;
    v_person := cv_person_find(p_email, p_name, p_org, NULL, 'en', p_feed_token);
    IF EXISTS (SELECT 1 FROM registrations WHERE event_id = p_event AND person_id = v_person) THEN
        PERFORM cv_fail(409, 'email', 'email: this person is already registered for the '
                        'event; mark that registration instead');
    END IF;
    INSERT INTO registrations (event_id, person_id, organisation_id, state, token,
                               confirmed_at, origin)
    SELECT p_event, v_person, coalesce(p_org, p.organisation_id), 'confirmed', p_token,
           now(), 'walk_in'
      FROM people p WHERE p.id = v_person
    RETURNING id INTO v_reg;
    INSERT INTO attendance (registration_id, day, state, marked_by)
    VALUES (v_reg, v_day, 'attended', coalesce(nullif(btrim(p_by), ''), 'admin API'));
    RETURN cv_attendance_reg_json(v_reg)::json;
END
$$;

-- GET /api/events/{id}/attendance: the event's days, per day the number
-- attended and no_show, the number of walk-ins, and every confirmed
-- registration or one with a mark (ordered by name) with its marks.  NULL
-- when there is no such event.
CREATE OR REPLACE FUNCTION cv_attendance_list(p_event bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'event', e.id,
        'days', (SELECT json_agg(d ORDER BY d) FROM cv_attendance_days(e) d),
        'counts', (SELECT json_object_agg(d::text, json_build_object(
                          'attended', (SELECT count(*) FROM attendance a
                                         JOIN registrations r ON r.id = a.registration_id
                                        WHERE r.event_id = e.id AND a.day = d
                                          AND a.state = 'attended'),
                          'no_show', (SELECT count(*) FROM attendance a
                                        JOIN registrations r ON r.id = a.registration_id
                                       WHERE r.event_id = e.id AND a.day = d
                                         AND a.state = 'no_show')) ORDER BY d)
                     FROM cv_attendance_days(e) d),
        'walk_ins', (SELECT count(*) FROM registrations r
                      WHERE r.event_id = e.id AND r.origin = 'walk_in'),
        'registrations', COALESCE((
            SELECT json_agg(cv_attendance_reg_json(r.id) ORDER BY p.name, r.id)
              FROM registrations r JOIN people p ON p.id = r.person_id
             WHERE r.event_id = e.id
               AND (r.state = 'confirmed'
                    OR EXISTS (SELECT 1 FROM attendance a WHERE a.registration_id = r.id))),
            '[]'))
      FROM events e WHERE e.id = p_event
$$;
