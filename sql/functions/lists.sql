-- lists.sql - the admin API's lists a page at a time (issue 16, item 4):
-- events, deadlines, organisations, an event's registrations and the
-- accounts, with their filters.  One convention for every list, the
-- outbox's (outbox_read.sql): {"<items>": [...], "count": n,
-- "next_before": id or null}, at most p_limit items; "next_before" is the
-- id of the last item shown when more follow, and before=ID continues the
-- list after the item with that id, in the list's own order (an id no
-- longer in the list, or never in it: 422 "before").

-- The page object of P_ITEMS (a JSON array of up to P_LIMIT + 1 objects
-- with an "id", in order) under key P_KEY: the first P_LIMIT, how many,
-- and the id of the last one shown when there was one more.
CREATE OR REPLACE FUNCTION cv_page_json(p_key text, p_items json, p_limit integer)
RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
        p_key, coalesce((SELECT json_agg(x ORDER BY i)
                           FROM json_array_elements(coalesce(p_items, '[]'))
                                WITH ORDINALITY t(x, i)
                          WHERE i <= p_limit), '[]'),
        'count', least(json_array_length(coalesce(p_items, '[]')), p_limit),
        'next_before', CASE WHEN json_array_length(coalesce(p_items, '[]')) > p_limit
                            THEN (p_items->(p_limit - 1)->>'id')::bigint END)
$$;

-- before=ID named nothing this list can continue after.
CREATE OR REPLACE FUNCTION cv_page_unknown_before(p_before bigint, p_what text)
RETURNS void
LANGUAGE sql AS $$
    SELECT cv_fail(422, 'before', format('query parameter before: %s %s is not in this list',
                                         p_what, p_before))
$$;

-- GET /api/events: earliest first (start, then id), of the project with
-- slug P_PROJECT (unknown: 404), in state P_STATE, taking place on or
-- after day P_FROM and on or before day P_TO (days in each event's own
-- zone: the event overlaps them), after the event P_BEFORE.
CREATE OR REPLACE FUNCTION cv_event_page(p_project text, p_state item_status, p_from date,
                                         p_to date, p_before bigint, p_limit integer)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pid bigint;
    a events;
BEGIN
    IF p_project IS NOT NULL THEN
        pid := cv_project_id(p_project, 'project', 404);
    END IF;
    IF p_before IS NOT NULL THEN
        SELECT * INTO a FROM events WHERE id = p_before;
        IF NOT FOUND THEN
            PERFORM cv_page_unknown_before(p_before, 'event');
        END IF;
    END IF;
    RETURN cv_page_json('events', (
        SELECT json_agg(cv_event_json(e) ORDER BY e.start_at, e.id)
          FROM (SELECT * FROM events e
                 WHERE (pid IS NULL OR e.project_id = pid)
                   AND (p_state IS NULL OR e.status = p_state)
                   -- an all-day event's end_local is midnight after its last day
                   AND (p_from IS NULL OR e.end_local > p_from::timestamp)
                   AND (p_to IS NULL OR e.start_local < (p_to + 1)::timestamp)
                   AND (p_before IS NULL OR (e.start_at, e.id) > (a.start_at, a.id))
                 ORDER BY e.start_at, e.id
                 LIMIT p_limit + 1) e), p_limit);
END $$;

-- GET /api/deadlines: soonest first (due, then id), filtered as events
-- are (P_FROM, P_TO: the due day in the deadline's zone).
CREATE OR REPLACE FUNCTION cv_deadline_page(p_project text, p_state item_status, p_from date,
                                            p_to date, p_before bigint, p_limit integer)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pid bigint;
    a deadlines;
BEGIN
    IF p_project IS NOT NULL THEN
        pid := cv_project_id(p_project, 'project', 404);
    END IF;
    IF p_before IS NOT NULL THEN
        SELECT * INTO a FROM deadlines WHERE id = p_before;
        IF NOT FOUND THEN
            PERFORM cv_page_unknown_before(p_before, 'deadline');
        END IF;
    END IF;
    RETURN cv_page_json('deadlines', (
        SELECT json_agg(cv_deadline_json(d) ORDER BY d.due_at, d.id)
          FROM (SELECT * FROM deadlines d
                 WHERE (pid IS NULL OR d.project_id = pid)
                   AND (p_state IS NULL OR d.status = p_state)
                   AND (p_from IS NULL OR d.due_local >= p_from::timestamp)
                   AND (p_to IS NULL OR d.due_local < (p_to + 1)::timestamp)
                   AND (p_before IS NULL OR (d.due_at, d.id) > (a.due_at, a.id))
                 ORDER BY d.due_at, d.id
                 LIMIT p_limit + 1) d), p_limit);
END $$;

-- GET /api/organisations: organisations (not aliases) by name, country
-- and id; only those of P_COUNTRY, those whose name or an alias's name
-- contains P_Q (case-insensitively), and those with a registration for an
-- event of the project with slug P_PROJECT (404 when there is no such
-- project); after the organisation P_BEFORE.
CREATE OR REPLACE FUNCTION cv_organisation_page(p_country text, p_q text, p_project text,
                                                p_before bigint, p_limit integer)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_project bigint;
    a organisations;
BEGIN
    IF p_project IS NOT NULL THEN
        SELECT id INTO v_project FROM projects WHERE slug = p_project;
        IF NOT FOUND THEN
            PERFORM cv_fail(404, 'project', format('no project %s', p_project));
        END IF;
    END IF;
    IF p_before IS NOT NULL THEN
        SELECT * INTO a FROM organisations WHERE id = p_before;
        IF NOT FOUND THEN
            PERFORM cv_page_unknown_before(p_before, 'organisation');
        END IF;
    END IF;
    RETURN cv_page_json('organisations', (
        SELECT json_agg(cv_organisation_full_json(o, v_project)
                        ORDER BY lower(o.name), o.country, o.id)
          FROM (SELECT * FROM organisations o
                 WHERE o.merged_into IS NULL
                   AND (p_country IS NULL OR o.country = p_country)
                   AND (p_q IS NULL
                        OR strpos(lower(o.name), lower(p_q)) > 0
                        OR EXISTS (SELECT 1 FROM organisations x
                                    WHERE x.merged_into = o.id
                                      AND strpos(lower(x.name), lower(p_q)) > 0))
                   AND (v_project IS NULL
                        OR EXISTS (SELECT 1 FROM registrations r
                                     JOIN events e ON e.id = r.event_id
                                    WHERE r.organisation_id = o.id
                                      AND e.project_id = v_project))
                   AND (p_before IS NULL
                        OR (lower(o.name), o.country, o.id) > (lower(a.name), a.country, a.id))
                 ORDER BY lower(o.name), o.country, o.id
                 LIMIT p_limit + 1) o), p_limit);
END $$;

-- GET /api/events/{id}/registrations (JSON): cv_registration_list (its
-- order, its columns) of event P_EVENT in state P_STATE, only those whose
-- name, email or organisation contains P_Q (case-insensitively), after the
-- registration P_BEFORE: {"event_id", "registrations", "count",
-- "next_before"}.  The order is the list's own: its rows are numbered as
-- the function returns them (a function scan keeps its rows' order).
CREATE OR REPLACE FUNCTION cv_registration_page(p_event bigint, p_state registration_state,
                                                p_q text, p_before bigint, p_limit integer)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_after bigint;
    v_page json;
BEGIN
    IF p_before IS NOT NULL THEN
        SELECT s.n INTO v_after
          FROM (SELECT row_number() OVER () AS n, l.id
                  FROM cv_registration_list(p_event, p_state) l) s
         WHERE s.id = p_before;
        IF NOT FOUND THEN
            PERFORM cv_page_unknown_before(p_before, 'registration');
        END IF;
    END IF;
    SELECT cv_page_json('registrations', json_agg(s.j ORDER BY s.n), p_limit) INTO v_page
      FROM (SELECT * FROM (SELECT row_number() OVER () AS n, to_json(l) AS j
                             FROM cv_registration_list(p_event, p_state) l) x
             WHERE (v_after IS NULL OR x.n > v_after)
               AND (p_q IS NULL
                    OR strpos(lower(x.j->>'name'), lower(p_q)) > 0
                    OR strpos(lower(x.j->>'email'), lower(p_q)) > 0
                    OR strpos(lower(coalesce(x.j->>'organisation', '')), lower(p_q)) > 0)
             ORDER BY x.n
             LIMIT p_limit + 1) s;
    RETURN json_build_object('event_id', p_event, 'registrations', v_page->'registrations',
                             'count', v_page->'count', 'next_before', v_page->'next_before');
END $$;

-- GET /api/users: the accounts by name, only those with role P_ROLE,
-- after the account with id P_BEFORE.
CREATE OR REPLACE FUNCTION cv_account_page(p_role text, p_before bigint, p_limit integer)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    a accounts;
BEGIN
    IF p_before IS NOT NULL THEN
        SELECT * INTO a FROM accounts WHERE id = p_before;
        IF NOT FOUND THEN
            PERFORM cv_page_unknown_before(p_before, 'account');
        END IF;
    END IF;
    RETURN cv_page_json('users', (
        SELECT json_agg(cv_account_json(x) ORDER BY x.name)
          FROM (SELECT * FROM accounts x
                 WHERE (p_role IS NULL OR x.role = p_role)
                   AND (p_before IS NULL OR x.name > a.name)
                 ORDER BY x.name
                 LIMIT p_limit + 1) x), p_limit);
END $$;
