-- evidence.sql - the funder's numbers from attendance (issue 14, item 4):
-- who came, per event and per project, counted from the attendance marks
-- (walk-ins included), and the evidence pack the secretariat hands to the
-- funder.  The counts read registrations, their organisation and the
-- attendance marks only, never a name or an address, so they are the same
-- before and after cv_privacy_anonymise_project.  The report
-- (reports.sql) shows the same numbers; C adds the funder's sentence and
-- the publication text in the reader's language (daemon/evidence.c).
--
-- Definitions (docs/API.md, "Evidence"):
--   registered  registrations made through the form, the JSON endpoint or
--               the admin API (not walk-ins), not cancelled
--   confirmed   confirmed registrations (walk-ins included), as the report
--               has always counted them
--   attended    registrations marked attended on at least one day
--   no_show     registrations marked no_show and never attended
--   participants, organisations, countries: distinct people, organisations
--               (merged ones counted once) and their countries among those
--               who attended; a person with no organisation counts as a
--               participant of no country

-- The attended registrations of the events of PROJECT (or of the one
-- event P_EVENT when given): registration, event, person, organisation
-- (an alias resolved to the organisation it was merged into) and country.
CREATE OR REPLACE FUNCTION cv_evidence_attended(p_project bigint, p_event bigint)
RETURNS TABLE (registration_id bigint, event_id bigint, person_id bigint,
               organisation_id bigint, country text)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.event_id, r.person_id, coalesce(o.merged_into, o.id), o2.country::text
      FROM registrations r
      JOIN events e ON e.id = r.event_id
      JOIN people pe ON pe.id = r.person_id
      LEFT JOIN organisations o ON o.id = coalesce(r.organisation_id, pe.organisation_id)
      LEFT JOIN organisations o2 ON o2.id = coalesce(o.merged_into, o.id)
     WHERE e.project_id = p_project
       AND (p_event IS NULL OR e.id = p_event)
       AND EXISTS (SELECT 1 FROM attendance a
                    WHERE a.registration_id = r.id AND a.state = 'attended')
$$;

-- The attendance numbers of event E: registered, confirmed, attended,
-- no_show, walk_ins, the organisations and countries of those who came,
-- participants per country (largest first), and per day (cv_attendance_days) attended and no_show.
CREATE OR REPLACE FUNCTION cv_evidence_event(e events)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'registered', (SELECT count(*) FROM registrations r
                        WHERE r.event_id = e.id AND r.origin = 'registered'
                          AND r.state <> 'cancelled'),
        'confirmed', (SELECT count(*) FROM registrations r
                       WHERE r.event_id = e.id AND r.state = 'confirmed'),
        'attended', (SELECT count(*) FROM cv_evidence_attended(e.project_id, e.id)),
        'no_show', (SELECT count(*) FROM registrations r
                     WHERE r.event_id = e.id
                       AND EXISTS (SELECT 1 FROM attendance a
                                    WHERE a.registration_id = r.id AND a.state = 'no_show')
                       AND NOT EXISTS (SELECT 1 FROM attendance a
                                        WHERE a.registration_id = r.id
                                          AND a.state = 'attended')),
        'walk_ins', (SELECT count(*) FROM registrations r
                      WHERE r.event_id = e.id AND r.origin = 'walk_in'),
        'organisations', (SELECT count(DISTINCT x.organisation_id)
                            FROM cv_evidence_attended(e.project_id, e.id) x),
        'countries', (SELECT count(DISTINCT x.country)
                        FROM cv_evidence_attended(e.project_id, e.id) x),
        'by_country', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                   'country', c.country, 'participants', c.n)
                                   ORDER BY c.n DESC, c.country NULLS LAST)
                                  FROM (SELECT x.country, count(DISTINCT x.person_id) AS n
                                          FROM cv_evidence_attended(e.project_id, e.id) x
                                         GROUP BY x.country) c), '[]'),
        'days', (SELECT jsonb_agg(jsonb_build_object(
                     'day', d::text,
                     'attended', (SELECT count(*) FROM attendance a
                                    JOIN registrations r ON r.id = a.registration_id
                                   WHERE r.event_id = e.id AND a.day = d
                                     AND a.state = 'attended'),
                     'no_show', (SELECT count(*) FROM attendance a
                                   JOIN registrations r ON r.id = a.registration_id
                                  WHERE r.event_id = e.id AND a.day = d
                                    AND a.state = 'no_show')) ORDER BY d)
                   FROM cv_attendance_days(e) d))
$$;

-- The totals of PROJECT from attendance: participants (distinct people who
-- attended any of its events), organisations, countries, and participants
-- per country (largest first, then by code; "country": null for people of
-- no organisation).
CREATE OR REPLACE FUNCTION cv_evidence_totals(p_project bigint)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH x AS (SELECT DISTINCT person_id, organisation_id, country
                 FROM cv_evidence_attended(p_project, NULL)),
    -- a person counts in one country: that of the organisation of their
    -- first attended registration
    pc AS (SELECT DISTINCT ON (a.person_id) a.person_id, a.country
             FROM cv_evidence_attended(p_project, NULL) a
            ORDER BY a.person_id, a.registration_id)
    SELECT jsonb_build_object(
        'participants', (SELECT count(DISTINCT person_id) FROM x),
        'organisations', (SELECT count(DISTINCT organisation_id) FROM x),
        'countries', (SELECT count(DISTINCT country) FROM x),
        'by_country', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                   'country', c.country, 'participants', c.n)
                                   ORDER BY c.n DESC, c.country NULLS LAST)
                                  FROM (SELECT country, count(*) AS n FROM pc
                                         GROUP BY country) c), '[]'))
$$;

-- The answers of the questions flagged for the funder (019: choice,
-- choices, yes_no) among the people who attended: of event P_EVENT (the
-- questions it asks) or, P_EVENT NULL, of all of PROJECT's events (the
-- questions by key: a project's question, or events' questions sharing a
-- key, count as one).  Per question its label, how many answered and per
-- option (in the options' order; yes/no as a tick and a cross) how many
-- distinct people chose it, and a "text" line ("Age band: 18-30 12,
-- 31-50 20, 51+ 0").  Labels in P_LANG, else English.  Options are not
-- erased when people are anonymised (questions.sql), so the counts stay.
CREATE OR REPLACE FUNCTION cv_evidence_questions(p_project bigint, p_event bigint, p_lang text)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH qs AS (
        SELECT q.* FROM questions q
         WHERE q.evidence
           AND CASE WHEN p_event IS NOT NULL
                    THEN q.event_id = p_event OR q.project_id = p_project
                    ELSE q.project_id = p_project
                         OR q.event_id IN (SELECT id FROM events WHERE project_id = p_project)
               END),
    keys AS (
        SELECT DISTINCT ON (key) key, kind, label, position
          FROM qs ORDER BY key, event_id NULLS FIRST, id),
    opts AS (
        SELECT q.key, o.value, min(o.position)::int AS pos,
               (array_agg(o.label ORDER BY q.event_id NULLS FIRST, q.id))[1] AS label
          FROM qs q JOIN question_options o ON o.question_id = q.id
         GROUP BY q.key, o.value
        UNION ALL
        SELECT k.key, v.value, v.pos, v.label
          FROM keys k
         CROSS JOIN (VALUES ('yes', 1, '{"en": "✓"}'::jsonb),
                            ('no', 2, '{"en": "✗"}'::jsonb)) AS v(value, pos, label)
         WHERE k.kind = 'yes_no'),
    chosen AS (
        SELECT q.key, a.value AS answer, x.person_id
          FROM cv_evidence_attended(p_project, p_event) x
          JOIN answers a ON a.registration_id = x.registration_id
          JOIN qs q ON q.id = a.question_id),
    counted AS (
        SELECT o.key, o.value, o.pos, o.label,
               (SELECT count(DISTINCT c.person_id) FROM chosen c
                 WHERE c.key = o.key
                   AND (c.answer = to_jsonb(o.value)
                        OR (jsonb_typeof(c.answer) = 'array' AND c.answer ? o.value)
                        OR (jsonb_typeof(c.answer) = 'boolean'
                            AND c.answer = to_jsonb(o.value = 'yes')))) AS n
          FROM opts o)
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'key', k.key, 'kind', k.kind, 'label', cv_label_in(k.label, p_lang),
               'answered', (SELECT count(DISTINCT c.person_id) FROM chosen c WHERE c.key = k.key),
               'options', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                        'value', c.value, 'label', cv_label_in(c.label, p_lang),
                                        'count', c.n) ORDER BY c.pos, c.value)
                                      FROM counted c WHERE c.key = k.key), '[]'),
               'text', cv_label_in(k.label, p_lang) || ': '
                       || coalesce((SELECT string_agg(cv_label_in(c.label, p_lang) || ' ' || c.n,
                                                      ', ' ORDER BY c.pos, c.value)
                                      FROM counted c WHERE c.key = k.key), ''))
             ORDER BY k.position, k.key), '[]')
      FROM keys k
$$;

-- GET /api/projects/{slug}/evidence: the evidence pack of PROJECT for
-- readers of language P_LANG (en sv it pl es fi; 422 otherwise): the
-- project, per event (title, kind, status, venue, place, dates in the
-- event's zone, its attendance numbers, cv_evidence_event, and its
-- "questions", cv_evidence_questions) and the totals (cv_evidence_totals),
-- and the funder's questions counted over the project ("questions").  NULL when there is no such project.  The
-- sentences and the publication text are added by the daemon (ICU).
CREATE OR REPLACE FUNCTION cv_evidence_pack(p_project bigint, p_lang text)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p projects%ROWTYPE;
BEGIN
    IF p_lang IS NULL OR p_lang NOT IN ('en', 'sv', 'it', 'pl', 'es', 'fi') THEN
        PERFORM cv_fail(422, 'lang', 'lang: one of en, sv, it, pl, es, fi');
    END IF;
    SELECT * INTO p FROM projects WHERE id = p_project;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object(
        'project', jsonb_build_object('id', p.id, 'slug', p.slug, 'title', p.title,
                                      'programme', p.programme),
        'lang', p_lang,
        'generated_at', cv_iso_utc(now()),
        'events', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'id', e.id, 'title', e.title, 'kind', e.kind,
                                'status', e.status, 'venue', e.venue, 'city', e.city,
                                'country', e.country, 'tz', e.tz, 'all_day', e.all_day,
                                'start', to_char(e.start_local, 'YYYY-MM-DD"T"HH24:MI'),
                                'end', to_char(e.end_local, 'YYYY-MM-DD"T"HH24:MI'),
                                'first_day', e.start_local::date::text,
                                'last_day', (e.end_local - interval '1 microsecond')::date::text,
                                -- midnight of the first day and after the last
                                -- (Unix seconds, in the event's zone): the daemon
                                -- formats the dates with them and drops them
                                'days_from', extract(epoch FROM e.start_local::date::timestamp
                                                                AT TIME ZONE e.tz)::bigint,
                                'days_until', extract(epoch FROM ((e.end_local
                                                                   - interval '1 microsecond')::date
                                                                  + 1)::timestamp
                                                                 AT TIME ZONE e.tz)::bigint)
                                || cv_evidence_event(e)
                                || jsonb_build_object('questions',
                                                      cv_evidence_questions(p.id, e.id, p_lang))
                                ORDER BY e.start_at, e.id)
                              FROM events e
                             WHERE e.project_id = p.id AND e.status <> 'cancelled'), '[]'),
        'totals', cv_evidence_totals(p.id),
        'questions', cv_evidence_questions(p.id, NULL, p_lang));
END
$$;

-- The project named by REF: its slug, or its id written in digits.
CREATE OR REPLACE FUNCTION cv_evidence_project(p_ref text)
RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT id FROM projects WHERE slug = p_ref),
                    (SELECT id FROM projects
                      WHERE id = CASE WHEN p_ref ~ '^[0-9]{1,18}$' THEN p_ref::bigint END))
$$;
