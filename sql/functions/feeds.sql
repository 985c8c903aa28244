-- feeds.sql - change notifications for the calendar feeds: NOTIFY
-- convened_changed with '<what>:<id>:<slug>' when something a feed shows
-- changes.  what: event, deadline, project (slug set) or person (a personal
-- feed's registrations, follows or token; slug empty).  Notifications are
-- delivered at commit and identical ones in a transaction are merged.

CREATE OR REPLACE FUNCTION cv_feed_notify_item() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    s text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    -- a draft that stays a draft is in no feed
    IF (TG_OP <> 'INSERT' AND OLD.status <> 'draft')
       OR (TG_OP <> 'DELETE' AND NEW.status <> 'draft') THEN
        SELECT slug INTO s FROM projects WHERE id = r.project_id;
        PERFORM pg_notify('convened_changed',
                          TG_ARGV[0] || ':' || r.id || ':' || coalesce(s, ''));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER events_feed_notify
    AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION cv_feed_notify_item('event');

CREATE OR REPLACE TRIGGER deadlines_feed_notify
    AFTER INSERT OR UPDATE OR DELETE ON deadlines
    FOR EACH ROW EXECUTE FUNCTION cv_feed_notify_item('deadline');

CREATE OR REPLACE FUNCTION cv_feed_notify_project() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('convened_changed', 'project:' || NEW.id || ':' || NEW.slug);
    IF OLD.slug IS DISTINCT FROM NEW.slug THEN
        PERFORM pg_notify('convened_changed', 'project:' || OLD.id || ':' || OLD.slug);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER projects_feed_notify
    AFTER UPDATE OF slug, title ON projects
    FOR EACH ROW
    WHEN (OLD.slug IS DISTINCT FROM NEW.slug OR OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION cv_feed_notify_project();

-- A personal feed shows confirmed registrations and followed projects'
-- deadlines: notify only when a registration enters or leaves 'confirmed'
-- (a NOTIFY serialises commits, so not on every registration write).
CREATE OR REPLACE FUNCTION cv_feed_notify_person() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pid bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        pid := OLD.person_id;
    ELSIF TG_TABLE_NAME = 'people' THEN
        pid := NEW.id;
    ELSE
        pid := NEW.person_id;
        -- the daemon's own confirmation (cv_confirm_local) tells the
        -- feeds after its commit (cv_feed_person_changed)
        IF TG_TABLE_NAME = 'registrations'
           AND current_setting('convened.wake_local', true) = 'on' THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM pg_notify('convened_changed', 'person:' || pid || ':');
    RETURN NULL;
END $$;

-- The personal feed of person P changed in a transaction that did not
-- NOTIFY (cv_confirm_local): tell every daemon now, in a transaction of
-- its own that does not wait for its WAL flush (a lost notice is a feed
-- re-rendered late, and listeners drop every cached feed on reconnect).
CREATE OR REPLACE FUNCTION cv_feed_person_changed(p bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    PERFORM pg_notify('convened_changed', 'person:' || p || ':');
END $$;

CREATE OR REPLACE TRIGGER registrations_feed_notify_ins
    AFTER INSERT ON registrations
    FOR EACH ROW WHEN (NEW.state = 'confirmed')
    EXECUTE FUNCTION cv_feed_notify_person();

CREATE OR REPLACE TRIGGER registrations_feed_notify_upd
    AFTER UPDATE OF state ON registrations
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state
          AND (OLD.state = 'confirmed' OR NEW.state = 'confirmed'))
    EXECUTE FUNCTION cv_feed_notify_person();

-- (a follow shows in the feed once confirmed)
CREATE OR REPLACE TRIGGER followers_feed_notify
    AFTER INSERT OR DELETE OR UPDATE OF confirmed_at ON deadline_followers
    FOR EACH ROW EXECUTE FUNCTION cv_feed_notify_person();

CREATE OR REPLACE TRIGGER people_feed_notify
    AFTER UPDATE OF feed_token, name ON people
    FOR EACH ROW
    WHEN (OLD.feed_token IS DISTINCT FROM NEW.feed_token OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION cv_feed_notify_person();

-- A deadline without its own offsets shows the defaults of its kind as
-- VALARMs (cv_reminder_offsets): a change of reminder_defaults changes the
-- feeds of every project with such a deadline.
CREATE OR REPLACE FUNCTION cv_feed_notify_reminders() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('convened_changed', 'project:' || p.id || ':' || p.slug)
       FROM projects p
      WHERE EXISTS (SELECT 1 FROM deadlines d
                     WHERE d.project_id = p.id AND d.reminders IS NULL
                       AND d.status <> 'draft');
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER reminder_defaults_feed_notify
    AFTER INSERT OR UPDATE OR DELETE ON reminder_defaults
    FOR EACH STATEMENT EXECUTE FUNCTION cv_feed_notify_reminders();

-- What the feeds show.  Every feed read is one of cv_feed_rows and
-- cv_personal_feed_rows: a header row (t = 'h': the feed's title and the
-- newest change of anything it covers, drafts included) and then its events
-- (t = 'e') by start and its deadlines (t = 'd') by due time.  daemon/feeds.c
-- reads the columns by name and renders them with libical.

-- The 'e' and 'd' rows of the given events and deadlines (drafts left out).
-- An event's DESCRIPTION is cv_event_description's, with the programmes of
-- all the events read in one query (cv_programme_texts) rather than one
-- planned query per event (10 s for a 10,000-event feed).
-- A deadline without offsets of its own shows its kind's defaults
-- (cv_reminder_offsets, as the scheduler sends them), and its modified
-- time then includes the defaults' change.
CREATE OR REPLACE FUNCTION cv_feed_items(p_events bigint[], p_deadlines bigint[])
RETURNS TABLE (t text, id bigint, uid text, sequence integer, kind text,
               title text, description text, venue text, city text,
               country text, tz text, all_day boolean, start_local text,
               end_local text, start_utc bigint, end_utc bigint, status text,
               url text, created bigint, modified bigint, reminders text)
LANGUAGE sql STABLE AS $$
    SELECT 'e'::text, e.id, e.uid, e.sequence, e.kind::text, e.title,
           cv_description_join(e.description, pt.programme), e.venue, e.city,
           coalesce(e.country, '')::text,
           e.tz, e.all_day,
           to_char(e.start_local, 'YYYY-MM-DD"T"HH24:MI:SS'),
           to_char(e.end_local, 'YYYY-MM-DD"T"HH24:MI:SS'),
           floor(extract(epoch FROM e.start_at))::bigint,
           floor(extract(epoch FROM e.end_at))::bigint, e.status::text,
           NULL::text,
           floor(extract(epoch FROM e.created_at))::bigint,
           floor(extract(epoch FROM e.updated_at))::bigint, NULL::text
      FROM events e JOIN unnest(p_events) AS x(id) ON x.id = e.id
      LEFT JOIN cv_programme_texts(p_events) pt ON pt.event_id = e.id
     WHERE e.status <> 'draft'
    UNION ALL
    SELECT 'd'::text, d.id, d.uid, d.sequence, d.kind::text, d.title,
           d.description, NULL::text, NULL::text, NULL::text, d.tz, false,
           to_char(d.due_local, 'YYYY-MM-DD"T"HH24:MI:SS'), NULL::text,
           floor(extract(epoch FROM d.due_at))::bigint,
           floor(extract(epoch FROM d.due_at))::bigint, d.status::text, d.url,
           floor(extract(epoch FROM d.created_at))::bigint,
           floor(extract(epoch FROM greatest(d.updated_at,
               CASE WHEN d.reminders IS NULL THEN
                   (SELECT rd.updated_at FROM reminder_defaults rd
                     WHERE rd.kind = d.kind) END)))::bigint,
           array_to_string(cv_reminder_offsets(d.reminders, d.kind), ',')
      FROM deadlines d JOIN unnest(p_deadlines) AS x(id) ON x.id = d.id
     WHERE d.status <> 'draft'
$$;

-- The public feed (P_SLUG NULL) or one project's; no rows at all for an
-- unknown project.  The header's title is the project's (NULL for public).
CREATE OR REPLACE FUNCTION cv_feed_rows(p_slug text)
RETURNS TABLE (t text, id bigint, uid text, sequence integer, kind text,
               title text, description text, venue text, city text,
               country text, tz text, all_day boolean, start_local text,
               end_local text, start_utc bigint, end_utc bigint, status text,
               url text, created bigint, modified bigint, reminders text)
LANGUAGE sql STABLE AS $$
    WITH p AS (SELECT p.id, p.title, p.updated_at FROM projects p
                WHERE p_slug IS NULL OR p.slug = p_slug),
         e AS (SELECT e.id, e.updated_at FROM events e JOIN p ON p.id = e.project_id),
         d AS (SELECT d.id, d.updated_at FROM deadlines d JOIN p ON p.id = d.project_id)
    SELECT * FROM (
        SELECT 'h'::text AS t, 0::bigint AS id, NULL::text AS uid,
               NULL::integer AS sequence, NULL::text AS kind,
               (SELECT p.title FROM p WHERE p_slug IS NOT NULL LIMIT 1) AS title,
               NULL::text AS description, NULL::text AS venue,
               NULL::text AS city, NULL::text AS country, NULL::text AS tz,
               NULL::boolean AS all_day, NULL::text AS start_local,
               NULL::text AS end_local, 0::bigint AS start_utc,
               NULL::bigint AS end_utc, NULL::text AS status, NULL::text AS url,
               NULL::bigint AS created,
               floor(extract(epoch FROM greatest(
                   (SELECT max(p.updated_at) FROM p),
                   (SELECT max(e.updated_at) FROM e),
                   (SELECT max(d.updated_at) FROM d))))::bigint AS modified,
               NULL::text AS reminders
         WHERE p_slug IS NULL OR EXISTS (SELECT 1 FROM p)
        UNION ALL
        SELECT * FROM cv_feed_items(ARRAY(SELECT e.id FROM e),
                                    ARRAY(SELECT d.id FROM d))
    ) x ORDER BY x.t DESC, x.start_utc, x.id
$$;

-- A person's feed by its secret token: the events of their confirmed
-- registrations and the deadlines of the projects they follow (confirmed); no rows
-- for an unknown token.  The header carries the person's id and name.
CREATE OR REPLACE FUNCTION cv_personal_feed_rows(p_token text)
RETURNS TABLE (t text, id bigint, uid text, sequence integer, kind text,
               title text, description text, venue text, city text,
               country text, tz text, all_day boolean, start_local text,
               end_local text, start_utc bigint, end_utc bigint, status text,
               url text, created bigint, modified bigint, reminders text)
LANGUAGE sql STABLE AS $$
    WITH me AS (SELECT pe.id, pe.name, pe.updated_at FROM people pe
                 WHERE pe.feed_token = p_token),
         r AS (SELECT r.event_id, r.updated_at FROM registrations r
                 JOIN me ON me.id = r.person_id WHERE r.state = 'confirmed'),
         e AS (SELECT e.id, e.updated_at FROM events e JOIN r ON r.event_id = e.id),
         d AS (SELECT d.id, d.updated_at FROM deadlines d
                 JOIN deadline_followers f ON f.project_id = d.project_id
                 JOIN me ON me.id = f.person_id
                WHERE f.confirmed_at IS NOT NULL)
    SELECT * FROM (
        SELECT 'h'::text AS t, me.id AS id, NULL::text AS uid,
               NULL::integer AS sequence, NULL::text AS kind,
               me.name AS title, NULL::text AS description,
               NULL::text AS venue, NULL::text AS city, NULL::text AS country,
               NULL::text AS tz, NULL::boolean AS all_day,
               NULL::text AS start_local, NULL::text AS end_local,
               0::bigint AS start_utc, NULL::bigint AS end_utc,
               NULL::text AS status, NULL::text AS url, NULL::bigint AS created,
               floor(extract(epoch FROM greatest(me.updated_at,
                   (SELECT max(r.updated_at) FROM r),
                   (SELECT max(e.updated_at) FROM e),
                   (SELECT max(d.updated_at) FROM d),
                   (SELECT max(f.confirmed_at) FROM deadline_followers f
                     WHERE f.person_id = me.id))))::bigint AS modified,
               NULL::text AS reminders
          FROM me
        UNION ALL
        SELECT * FROM cv_feed_items(ARRAY(SELECT e.id FROM e),
                                    ARRAY(SELECT d.id FROM d))
    ) x ORDER BY x.t DESC, x.start_utc, x.id
$$;

-- One event's calendar ("Add to my calendar", /events/{id}.ics): a header
-- row titled with the event, then its 'e' row; no rows for a draft or an
-- unknown id.
CREATE OR REPLACE FUNCTION cv_event_feed_rows(p_event bigint)
RETURNS TABLE (t text, id bigint, uid text, sequence integer, kind text,
               title text, description text, venue text, city text,
               country text, tz text, all_day boolean, start_local text,
               end_local text, start_utc bigint, end_utc bigint, status text,
               url text, created bigint, modified bigint, reminders text)
LANGUAGE sql STABLE AS $$
    WITH e AS (SELECT e.id, e.title, e.updated_at FROM events e
                WHERE e.id = p_event AND e.status <> 'draft')
    SELECT * FROM (
        SELECT 'h'::text AS t, 0::bigint AS id, NULL::text AS uid,
               NULL::integer AS sequence, NULL::text AS kind, e.title AS title,
               NULL::text AS description, NULL::text AS venue,
               NULL::text AS city, NULL::text AS country, NULL::text AS tz,
               NULL::boolean AS all_day, NULL::text AS start_local,
               NULL::text AS end_local, 0::bigint AS start_utc,
               NULL::bigint AS end_utc, NULL::text AS status, NULL::text AS url,
               NULL::bigint AS created,
               floor(extract(epoch FROM e.updated_at))::bigint AS modified,
               NULL::text AS reminders
          FROM e
        UNION ALL
        SELECT * FROM cv_feed_items(ARRAY(SELECT e.id FROM e), '{}'::bigint[])
    ) x ORDER BY x.t DESC, x.start_utc, x.id
$$;
