-- checkin.sql - check-in at the door (issue 14, item 2): the per-event
-- check-in secret (POST /api/events/{id}/checkin-secret), the staff page's
-- list and writes (/checkin/{event}/api/...), the check-in token a QR code
-- carries.  Marks go through the rules of attendance.sql; refusals through
-- cv_fail (errors.sql) and change nothing.

-- POST /api/events/{id}/checkin-secret: keep the SHA-256 of P_SECRET (made
-- by the daemon, shown once) as event P_EVENT's check-in secret, replacing
-- any earlier one.  NULL when there is no such event.
CREATE OR REPLACE FUNCTION cv_checkin_secret_set(p_event bigint, p_secret text)
RETURNS json
LANGUAGE sql AS $$
    UPDATE events SET checkin_secret_sha256 = sha256(convert_to(p_secret, 'UTF8')),
                      checkin_secret_at = now()
     WHERE id = p_event
    RETURNING json_build_object('event', id, 'secret', p_secret,
                                'created_at', cv_iso_utc(checkin_secret_at),
                                'path', format('/checkin/%s#s=%s', id, p_secret))
$$;

-- The event P_EVENT for the check-in page: P_ADMIN (authorised without
-- the secret: the admin bearer token, or an account cv_authorise let in
-- for this event) or P_SECRET matching the event's check-in secret; otherwise 403
-- (also for an event without a secret or no such event: the page learns
-- nothing without the secret).
CREATE OR REPLACE FUNCTION cv_checkin_auth(p_event bigint, p_secret text, p_admin boolean)
RETURNS events
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e events%ROWTYPE;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event;
    IF coalesce(p_admin, false) AND FOUND THEN
        RETURN e;
    END IF;
    IF coalesce(p_admin, false) THEN
        PERFORM cv_fail(404, 'event', 'no such event');
    END IF;
    IF NOT FOUND OR p_secret IS NULL OR e.checkin_secret_sha256 IS NULL
       OR e.checkin_secret_sha256 <> sha256(convert_to(p_secret, 'UTF8')) THEN
        PERFORM cv_fail(403, 'secret', 'the check-in secret is not valid for this event');
    END IF;
    RETURN e;
END
$$;

-- One registration as the door sees it: no email address, no tokens.
CREATE OR REPLACE FUNCTION cv_checkin_reg_json(p_reg bigint)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT cv_attendance_reg_json(p_reg) - 'email'
$$;

-- The day a mark is for when the page gives none: today in the event's
-- zone when that is one of its days, else the first day before the event
-- and the last after it (cv_attendance_check then says why it is too early
-- or too late).
CREATE OR REPLACE FUNCTION cv_checkin_day(e events)
RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN t < min(d) THEN min(d) WHEN t > max(d) THEN max(d) ELSE t END
      FROM cv_attendance_days(e) d, (SELECT (now() AT TIME ZONE e.tz)::date AS t) x
     GROUP BY t
$$;

-- GET /checkin/{event}/api/list: the event (title, place, zone, days, the
-- day marks go to by default), the organisations of its registrations (for
-- the walk-in form), and every confirmed registration or one with a mark,
-- by name, with its marks.
CREATE OR REPLACE FUNCTION cv_checkin_list(p_event bigint, p_secret text, p_admin boolean)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e events%ROWTYPE;
BEGIN
    e := cv_checkin_auth(p_event, p_secret, p_admin);
    RETURN json_build_object(
        'event', json_build_object('id', e.id, 'title', e.title, 'status', e.status,
                                   'place', cv_place(e.venue, e.city, e.country),
                                   'tz', e.tz),
        'days', (SELECT json_agg(d ORDER BY d) FROM cv_attendance_days(e) d),
        'today', cv_checkin_day(e),
        'organisations', COALESCE((
            SELECT json_agg(json_build_object('id', o.id, 'name', o.name,
                                              'country', o.country) ORDER BY o.name, o.id)
              FROM organisations o
             WHERE o.id IN (SELECT coalesce(r.organisation_id, p.organisation_id)
                              FROM registrations r JOIN people p ON p.id = r.person_id
                             WHERE r.event_id = e.id)), '[]'),
        'registrations', COALESCE((
            SELECT json_agg(cv_checkin_reg_json(r.id) ORDER BY p.name, r.id)
              FROM registrations r JOIN people p ON p.id = r.person_id
             WHERE r.event_id = e.id
               AND (r.state = 'confirmed'
                    OR EXISTS (SELECT 1 FROM attendance a WHERE a.registration_id = r.id))),
            '[]'));
END
$$;

-- The registration a scanned check-in token P_TOKEN names, for event E:
-- 404 when no registration has it, 409 when it is another event's.
CREATE OR REPLACE FUNCTION cv_checkin_token_reg(e events, p_token text)
RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_reg bigint;
    v_event bigint;
    v_title text;
BEGIN
    SELECT r.id, r.event_id, ev.title INTO v_reg, v_event, v_title
      FROM registrations r JOIN events ev ON ev.id = r.event_id
     WHERE r.checkin_token = p_token;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'token', 'token: this is not a check-in code of convened');
    END IF;
    IF v_event <> e.id THEN
        PERFORM cv_fail(409, 'token', format('token: this check-in code is for another '
                        'event (%s)', v_title));
    END IF;
    RETURN v_reg;
END
$$;

-- POST /checkin/{event}/api/marks and .../walk-ins: one request of the
-- check-in page, authorised as cv_checkin_auth says, applied once per
-- client-made id P_CLIENT_ID: a request whose id was applied before
-- changes nothing and answers what it answered then, with "repeated":
-- true (the page sends its queue again after a lost network).  P_BODY:
--   {"action": "mark", "registration": ID | "token": CHECKIN_TOKEN,
--    "state": "attended" | "no_show" | "none", "day": DATE?, "by": NAME?}
--   {"action": "walk_in", "name", "email", "organisation": ID?, "day"?,
--    "by"?}  (P_TOKEN, P_FEED: tokens for the new registration and person)
-- The day defaults to cv_checkin_day; marks follow cv_attendance_mark and
-- cv_attendance_unmark (never the admin override) and are recorded as made
-- by P_MARKER (the account's name) or, by the secret, as 'door secret'
-- with the name the page was given ("by").  Returns {"client_id",
-- "registration": {...}}.
CREATE OR REPLACE FUNCTION cv_checkin_apply(p_event bigint, p_secret text, p_admin boolean,
                                            p_client_id text, p_body jsonb,
                                            p_token text, p_feed text, p_marker text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    e events%ROWTYPE;
    v_day date;
    v_reg bigint;
    v_by text;
    v_out jsonb;
    v_new boolean;
BEGIN
    e := cv_checkin_auth(p_event, p_secret, p_admin);
    IF p_client_id IS NULL OR p_client_id !~ '^[A-Za-z0-9_-]{8,64}$' THEN
        PERFORM cv_fail(422, 'client_id', 'client_id: 8 to 64 letters, digits, - or _');
    END IF;
    -- a concurrent request with the same id waits here for the first
    INSERT INTO checkin_requests (event_id, client_id, result)
    VALUES (p_event, p_client_id, '{}')
    ON CONFLICT DO NOTHING
    RETURNING true INTO v_new;
    IF v_new IS NULL THEN
        -- what it answered then, the registration as it is now (the row
        -- keeps ids only: nothing personal outlives retention here)
        SELECT result || jsonb_build_object('registration',
                             cv_checkin_reg_json((result->>'registration_id')::bigint),
                             'repeated', true)
          INTO v_out
          FROM checkin_requests WHERE event_id = p_event AND client_id = p_client_id;
        RETURN (v_out - 'registration_id')::json;
    END IF;
    v_day := coalesce((p_body->>'day')::date, cv_checkin_day(e));
    v_by := coalesce(left(p_marker, 200), 'door secret'
                     || coalesce(' (' || nullif(btrim(p_body->>'by'), '') || ')', ''));
    IF p_body->>'action' = 'walk_in' THEN
        v_reg := (cv_attendance_walk_in(p_event, p_body->>'email', p_body->>'name',
                                        (p_body->>'organisation')::bigint, v_day, v_by,
                                        false, p_token, p_feed)::jsonb->>'registration')::bigint;
    ELSIF p_body->>'action' = 'mark' THEN
        IF p_body ? 'token' THEN
            v_reg := cv_checkin_token_reg(e, p_body->>'token');
        ELSE
            v_reg := (p_body->>'registration')::bigint;
        END IF;
        IF p_body->>'state' = 'none' THEN
            PERFORM cv_attendance_unmark(p_event, v_reg, v_day, false);
        ELSE
            PERFORM cv_attendance_mark(p_event, v_reg, v_day, p_body->>'state', v_by, false);
        END IF;
    ELSE
        PERFORM cv_fail(422, 'action', 'action: mark or walk_in');
    END IF;
    UPDATE checkin_requests
       SET result = jsonb_build_object('client_id', p_client_id, 'day', v_day,
                                       'registration_id', v_reg)
     WHERE event_id = p_event AND client_id = p_client_id;
    RETURN json_build_object('client_id', p_client_id, 'day', v_day,
                             'registration', cv_checkin_reg_json(v_reg));
END
$$;

-- The check-in token the token page shows as a QR code for the
-- registration with manage token P_TOKEN: only while it is confirmed and
-- the event not cancelled; NULL otherwise.
CREATE OR REPLACE FUNCTION cv_checkin_token_for(p_token text)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT r.checkin_token
      FROM registrations r JOIN events e ON e.id = r.event_id
     WHERE r.token = p_token AND r.state = 'confirmed' AND e.status <> 'cancelled'
$$;
