-- pages.sql - what the public pages read (daemon/pages_*.c): the network's
-- projects, a project's events and deadlines, one event with its seats,
-- and the organisations already registered for a project.  Drafts are in
-- none of them; cancelled items are, marked cancelled.

-- Seats of event E as the pages show them: seats_left (NULL without a
-- capacity, never below 0), waiting (people on the waiting list) and over
-- (the event has ended).
CREATE OR REPLACE FUNCTION cv_event_seats(e events, OUT seats_left integer,
                                          OUT waiting bigint, OUT over boolean)
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN e.capacity IS NULL THEN NULL
                ELSE greatest(e.capacity - (SELECT count(*) FROM registrations r
                                             WHERE r.event_id = e.id
                                               AND r.state = 'confirmed'), 0)::integer
           END,
           (SELECT count(*) FROM registrations r
             WHERE r.event_id = e.id AND r.state = 'waitlisted'),
           now() >= e.end_at
$$;

-- The projects with something published, for the network's page.
CREATE OR REPLACE FUNCTION cv_public_projects()
RETURNS TABLE (slug text, title text, description text, upcoming bigint)
LANGUAGE sql STABLE AS $$
    SELECT p.slug, p.title, p.description,
           (SELECT count(*) FROM events e
             WHERE e.project_id = p.id AND e.status = 'published' AND e.end_at > now())
      FROM projects p
     WHERE EXISTS (SELECT 1 FROM events e WHERE e.project_id = p.id AND e.status <> 'draft')
        OR EXISTS (SELECT 1 FROM deadlines d WHERE d.project_id = p.id AND d.status <> 'draft')
     ORDER BY p.title, p.slug
$$;

-- One project's page: a header row (t 'p': the project's title and
-- description), then its events ('e') and deadlines ('d') in time order,
-- drafts left out.  No rows for an unknown slug.
CREATE OR REPLACE FUNCTION cv_public_project(p_slug text)
RETURNS TABLE (t text, id bigint, title text, description text, kind text,
               status item_status, start_text text, end_text text, tz text,
               all_day boolean, start_utc bigint, end_utc bigint, venue text,
               city text, country text, upcoming boolean, registration text,
               seats_left integer, waiting bigint, language text)
LANGUAGE sql STABLE AS $$
    WITH p AS (SELECT * FROM projects WHERE slug = p_slug)
    SELECT 'p', p.id, p.title, p.description, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           p.language::text
      FROM p
    UNION ALL
    SELECT * FROM (
        SELECT 'e', e.id, e.title, e.description, e.kind, e.status,
               (cv_event_when(e)).start_text, (cv_event_when(e)).end_text,
               e.tz, e.all_day, floor(extract(epoch FROM e.start_at))::bigint,
               floor(extract(epoch FROM e.end_at))::bigint, e.venue, e.city,
               coalesce(e.country, '')::text, e.end_at > now(),
               (cv_reg_window(e)).registration, (cv_event_seats(e)).seats_left,
               (cv_event_seats(e)).waiting, NULL
          FROM events e JOIN p ON p.id = e.project_id
         WHERE e.status <> 'draft'
        UNION ALL
        SELECT 'd', d.id, d.title, d.description, d.kind, d.status,
               to_char(d.due_local, 'YYYY-MM-DD HH24:MI'),
               to_char(d.due_local, 'YYYY-MM-DD HH24:MI'), d.tz, false,
               floor(extract(epoch FROM d.due_at))::bigint,
               floor(extract(epoch FROM d.due_at))::bigint, '', '', '',
               d.due_at > now(), NULL, NULL, NULL, NULL
          FROM deadlines d JOIN p ON p.id = d.project_id
         WHERE d.status <> 'draft'
         ORDER BY 11, 1, 2
    ) items
$$;

-- One published or cancelled event, as its page and the registration form
-- show it (no row for a draft or an unknown id): what and when, where, the
-- registration window (cv_reg_window), seats (cv_event_seats), its project.
CREATE OR REPLACE FUNCTION cv_public_event(p_event bigint)
RETURNS TABLE (id bigint, title text, description text, kind text,
               status item_status, start_text text, end_text text, tz text,
               all_day boolean, start_utc bigint, end_utc bigint, venue text,
               city text, country text, registration text,
               registration_at text, registration_utc bigint, capacity integer, seats_left integer,
               waiting bigint, over boolean, org_cap integer,
               project_slug text, project_title text, project_language text)
LANGUAGE sql STABLE AS $$
    SELECT e.id, e.title, e.description, e.kind, e.status,
           (cv_event_when(e)).start_text, (cv_event_when(e)).end_text, e.tz,
           e.all_day, floor(extract(epoch FROM e.start_at))::bigint,
           floor(extract(epoch FROM e.end_at))::bigint, e.venue, e.city,
           coalesce(e.country, '')::text, (cv_reg_window(e)).registration,
           (cv_reg_window(e)).registration_at,
           (cv_reg_window(e)).registration_utc, e.capacity,
           (cv_event_seats(e)).seats_left, (cv_event_seats(e)).waiting,
           (cv_event_seats(e)).over, e.org_cap, p.slug, p.title,
           p.language::text
      FROM events e JOIN projects p ON p.id = e.project_id
     WHERE e.id = p_event AND e.status <> 'draft'
$$;

-- The organisations with a registration (not cancelled) for any event of
-- EVENT's project: the form's suggestions.  Names only, at most 200.
CREATE OR REPLACE FUNCTION cv_public_organisations(p_event bigint)
RETURNS TABLE (name text)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT o.name
      FROM events e
      JOIN events pe ON pe.project_id = e.project_id
      JOIN registrations r ON r.event_id = pe.id AND r.state <> 'cancelled'
      JOIN organisations o ON o.id = r.organisation_id
     WHERE e.id = p_event AND e.status <> 'draft'
     ORDER BY 1
     LIMIT 200
$$;
