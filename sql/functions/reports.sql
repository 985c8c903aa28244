-- reports.sql - the funder's numbers.  One function per report; C passes
-- the request through and formats the JSON as CSV when asked.

-- GET /api/reports/attendance?project=SLUG: confirmed participants per
-- event and per project (people, organisations, countries) and the list,
-- as one JSON document; no row when the project does not exist.  Who came
-- is under "attendance": per event cv_evidence_event (registered,
-- confirmed, attended, no_show, walk-ins, per day), and at the top for
-- the project cv_evidence_totals (participants, organisations and countries counted
-- from attendance), as the evidence pack shows them (evidence.sql).
CREATE OR REPLACE FUNCTION cv_attendance_report(p_slug text) RETURNS SETOF json
LANGUAGE sql STABLE AS $$
    WITH p AS (SELECT id, slug, title FROM projects WHERE slug = p_slug),
    ev AS (SELECT e.* FROM events e JOIN p ON e.project_id = p.id),
    att AS (SELECT r.event_id, pe.id AS person_id, pe.name, pe.email,
                   pe.role, o.id AS org_id, o.name AS org_name, o.country
              FROM registrations r JOIN ev ON ev.id = r.event_id
              JOIN people pe ON pe.id = r.person_id
              LEFT JOIN organisations o ON o.id = r.organisation_id
             WHERE r.state = 'confirmed')
    SELECT json_build_object(
        'project', json_build_object('slug', p.slug, 'title', p.title,
            'events', (SELECT count(*) FROM ev),
            'registrations', (SELECT count(*) FROM att),
            'participants', (SELECT count(DISTINCT person_id) FROM att),
            'organisations', (SELECT count(DISTINCT org_id) FROM att),
            'countries', (SELECT count(DISTINCT country) FROM att)),
        'attendance', cv_evidence_totals(p.id),
        'events', coalesce((SELECT json_agg(json_build_object(
            'id', ev.id, 'title', ev.title, 'kind', ev.kind,
            'status', ev.status, 'start', json_build_object(
                'local', to_char(ev.start_local, 'YYYY-MM-DD"T"HH24:MI'),
                'tz', ev.tz,
                'utc', to_char(ev.start_at AT TIME ZONE 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            'city', ev.city, 'country', ev.country,
            'confirmed', (SELECT count(*) FROM att WHERE event_id = ev.id),
            'organisations', (SELECT count(DISTINCT org_id) FROM att
                               WHERE event_id = ev.id),
            'countries', (SELECT count(DISTINCT country) FROM att
                           WHERE event_id = ev.id),
            'attendance', (SELECT cv_evidence_event(e) FROM events e WHERE e.id = ev.id),
            'participants', coalesce((SELECT json_agg(json_build_object(
                    'name', a.name, 'email', a.email,
                    'organisation', a.org_name, 'country', a.country,
                    'role', a.role)
                    ORDER BY a.org_name, a.name, a.person_id)
                  FROM att a WHERE a.event_id = ev.id), '[]'::json))
            ORDER BY ev.start_at, ev.id) FROM ev), '[]'::json))
      FROM p
$$;
