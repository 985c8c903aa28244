-- sheets.sql - what the funder's paper shows (issue 14, items 3 and 5):
-- the signature sheets of an event (GET /api/events/{id}/sheets.pdf) and
-- a participant's certificate of attendance.  C renders the JSON these
-- return as PDF (daemon/sheets.c); the choices are made here.

-- The signature sheets of event P_EVENT as one JSON document, NULL when
-- the event does not exist: the event and its project (for the header),
-- the days (all of the event's, or only P_DAY) and one sheet per day and
-- invited town (the participant organisation's city and country), local
-- (the organisation is in the venue's country) before international.
-- Who is listed: every confirmed registration that came through the
-- usual registration (expected on every day: the list people sign at the
-- door), and walk-ins on the days they were marked attended.  People whose
-- data retention anonymised are not listed.  Each person has name,
-- organisation, town, country and email, sorted by name.
CREATE OR REPLACE FUNCTION cv_signature_sheets(p_event bigint, p_day date DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e events;
    v_days date[];
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
    RETURN (
    WITH people_on AS (
        SELECT d.day, p.name, coalesce(o.name, '') AS organisation,
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
    sheets AS (
        SELECT day, local, town, country,
               json_agg(json_build_object('name', name, 'organisation', organisation,
                                          'town', town, 'country', country,
                                          'email', email)
                        ORDER BY name, email) AS people
          FROM people_on
         GROUP BY day, local, town, country)
    SELECT json_build_object(
        'event', json_build_object(
            'id', e.id, 'title', e.title, 'venue', e.venue, 'city', e.city,
            'country', e.country, 'tz', e.tz, 'all_day', e.all_day,
            'start', to_char(e.start_local, 'YYYY-MM-DD"T"HH24:MI'),
            'end', to_char(e.end_local, 'YYYY-MM-DD"T"HH24:MI'),
            'first_day', (SELECT min(d) FROM cv_attendance_days(e) AS d)::text,
            'last_day', (SELECT max(d) FROM cv_attendance_days(e) AS d)::text),
        'project', (SELECT json_build_object('title', pr.title, 'programme', pr.programme)
                      FROM projects pr WHERE pr.id = e.project_id),
        'days', to_json(v_days),
        'sheets', coalesce((SELECT json_agg(json_build_object(
                       'day', s.day, 'scope', CASE WHEN s.local THEN 'local'
                                                   ELSE 'international' END,
                       'town', s.town, 'country', s.country, 'people', s.people)
                       ORDER BY s.day, NOT s.local, s.country, s.town)
                     FROM sheets s), '[]'::json)));
END
$$;
