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
    END IF;
    PERFORM pg_notify('convened_changed', 'person:' || pid || ':');
    RETURN NULL;
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

CREATE OR REPLACE TRIGGER followers_feed_notify
    AFTER INSERT OR DELETE ON deadline_followers
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
