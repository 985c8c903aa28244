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

-- The same wake-up for an UPDATE, row by row but only for rows left
-- pending (the WHEN is checked without calling the function): the
-- scheduler's claim (pending -> sending) and its outcomes sent and failed
-- never call it, where a statement trigger with a transition table copied
-- every claimed row and planned its query again on every batch.  A retry,
-- an expired lease or the secretariat's retry still wakes the schedulers;
-- pg_notify sends identical notifications of one transaction once, so
-- this is still one NOTIFY per transaction.
CREATE OR REPLACE FUNCTION cv_outbox_wake_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('convened.wake_local', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF NEW.next_attempt_at <= now() + (SELECT notify_window FROM outbox_settings) THEN
        PERFORM pg_notify('convened_outbox', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outbox_wake_update AFTER UPDATE ON outbox
    FOR EACH ROW WHEN (NEW.state = 'pending')
    EXECUTE FUNCTION cv_outbox_wake_row();

-- The secretariat retries a failed notification: it is pending again, due
-- now, with its attempts counted from zero (the scheduler's backoff starts
-- over) and its last error kept until the next attempt.  Only a failed row
-- (404 unknown, 409 any other state); the update wakes the scheduler.
CREATE OR REPLACE FUNCTION cv_outbox_retry(p_id bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_state outbox_state;
BEGIN
    SELECT o.state INTO v_state FROM outbox o WHERE o.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'id',
            MESSAGE = format('no notification %s', p_id);
    END IF;
    IF v_state <> 'failed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'state',
            MESSAGE = format('notification %s is %s: only a failed one can be retried',
                             p_id, v_state);
    END IF;
    UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = now(),
                      claimed_by = NULL, lease_until = NULL, updated_at = now()
     WHERE id = p_id;
    RETURN json_build_object('id', p_id, 'state', 'pending');
END
$$;
