-- outbox.sql - waking the schedulers when a notification is due soon.

-- Wake the schedulers (LISTEN convened_outbox) when a statement makes a row
-- pending that is due within the notify window, once per statement, never
-- per row (a NOTIFY serialises commits) -- except in a transaction whose
-- daemon wakes its own scheduler once it has committed (convened.wake_local
-- set to on for the transaction): a NOTIFY takes a database-wide lock held
-- through the commit, which would serialise every registration's commit.
CREATE OR REPLACE FUNCTION cv_outbox_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('convened.wake_local', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM changed c
                WHERE c.state = 'pending'
                  AND c.next_attempt_at <= now() + (SELECT notify_window
                                                      FROM outbox_settings)) THEN
        PERFORM pg_notify('convened_outbox', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outbox_wake_insert AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION cv_outbox_wake();

CREATE OR REPLACE TRIGGER outbox_wake_update AFTER UPDATE ON outbox
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION cv_outbox_wake();
