-- reports.sql - the funder's numbers.  One function per report; C passes
-- the request through and formats the JSON as CSV when asked.

-- GET /api/reports/attendance?project=SLUG: confirmed participants per
-- event and per project (people, organisations, countries) and the list,
-- as one JSON document; no row when the project does not exist.  Who came
-- is under "attendance": per event cv_evidence_event (registered,
-- confirmed, attended, no_show, walk-ins, per day), and at the top for
-- the project cv_evidence_totals (participants, organisations and countries counted
-- from attendance), as the evidence pack shows them (evidence.sql).
--
-- P_GROUP (the key of a choice or choices question of the project or its
-- events; 422 naming group otherwise): "group" {"key"} and per event
-- "groups", cv_report_groups, the event's numbers split by its groups.
CREATE OR REPLACE FUNCTION cv_attendance_report(p_slug text, p_group text DEFAULT NULL)
RETURNS SETOF json
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
        'group', CASE WHEN cv_report_group_check(p.id, p_group)
                      THEN json_build_object('key', p_group) END,
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
            'groups', CASE WHEN p_group IS NOT NULL THEN cv_report_groups(ev.id, p_group) END,
            'participants', coalesce((SELECT json_agg(json_build_object(
                    'name', a.name, 'email', a.email,
                    'organisation', a.org_name, 'country', a.country,
                    'role', a.role)
                    ORDER BY a.org_name, a.name, a.person_id)
                  FROM att a WHERE a.event_id = ev.id), '[]'::json))
            ORDER BY ev.start_at, ev.id) FROM ev), '[]'::json))
      FROM p
$$;

-- True when P_GROUP is the key of a choice or choices question of
-- project P_PROJECT or one of its events, false when P_GROUP is NULL;
-- otherwise refused (422, group).
CREATE OR REPLACE FUNCTION cv_report_group_check(p_project bigint, p_group text)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_group IS NULL THEN
        RETURN false;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM questions q
                    WHERE q.key = p_group AND q.kind IN ('choice', 'choices')
                      AND (q.project_id = p_project
                           OR q.event_id IN (SELECT id FROM events WHERE project_id = p_project))) THEN
        PERFORM cv_fail(422, 'group', format('group: %s is not a choice question of this '
                        'project or its events', p_group));
    END IF;
    RETURN true;
END
$$;

-- Event P_EVENT's numbers per group of its question P_GROUP: per option
-- (in order; English label, capacity) the confirmed registrations that
-- chose it, their organisations and countries, and how many of them were
-- marked attended on some day; then "value": null for the confirmed who
-- chose none.  With choices a registration counts in each group chosen.
-- NULL when the event does not ask P_GROUP.
CREATE OR REPLACE FUNCTION cv_report_groups(p_event bigint, p_group text)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH q AS (SELECT * FROM cv_event_questions(p_event) x
                WHERE x.key = p_group AND x.kind IN ('choice', 'choices')),
    regs AS (
        SELECT r.id, o.id AS org_id, o.country,
               EXISTS (SELECT 1 FROM attendance a
                        WHERE a.registration_id = r.id AND a.state = 'attended') AS attended
          FROM registrations r
          LEFT JOIN organisations o ON o.id = r.organisation_id
         WHERE r.event_id = p_event AND r.state = 'confirmed'),
    picked AS (
        SELECT regs.*, opt.value
          FROM regs
          LEFT JOIN LATERAL (
              SELECT o.value FROM q
                JOIN answers a ON a.question_id = q.id AND a.registration_id = regs.id
                JOIN question_options o ON o.question_id = q.id
               WHERE a.value = to_jsonb(o.value)
                  OR (jsonb_typeof(a.value) = 'array' AND a.value ? o.value)) opt ON true),
    groups AS (
        SELECT o.value, o.label->>'en' AS label, o.capacity, o.position FROM q
          JOIN question_options o ON o.question_id = q.id
        UNION ALL
        SELECT NULL, NULL, NULL, 32767 WHERE EXISTS (SELECT 1 FROM q))
    SELECT json_agg(json_build_object(
               'value', g.value, 'label', g.label, 'capacity', g.capacity,
               'confirmed', (SELECT count(*) FROM picked x
                              WHERE x.value IS NOT DISTINCT FROM g.value),
               'attended', (SELECT count(*) FROM picked x
                             WHERE x.value IS NOT DISTINCT FROM g.value AND x.attended),
               'organisations', (SELECT count(DISTINCT x.org_id) FROM picked x
                                  WHERE x.value IS NOT DISTINCT FROM g.value),
               'countries', (SELECT count(DISTINCT x.country) FROM picked x
                              WHERE x.value IS NOT DISTINCT FROM g.value))
             ORDER BY g.position)
      FROM groups g
     HAVING EXISTS (SELECT 1 FROM q)
$$;
