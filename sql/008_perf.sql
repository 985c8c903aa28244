-- 008_perf.sql - the registration write path without event-wide work: a
-- confirmation schedules the reminders of its own person (O(offsets), not
-- O(confirmed)), registration does not queue behind the event row lock,
-- seats are a counter (event_seats), and the per-organisation count and
-- per-person outbox lookups have their indexes.
--
-- Lock levels: the seat decision (cv_confirm, cv_promote_waitlist,
-- cv_cancel_registration) keeps an exclusive lock on the event row, but
-- FOR NO KEY UPDATE, which does not conflict with the FOR KEY SHARE lock
-- every INSERT referencing the event takes for its foreign key.

-- Outbox rows of one person for one event (reminder scheduling for one
-- person, cancellation); also serves every lookup by event alone.
DROP INDEX IF EXISTS outbox_event;
CREATE INDEX IF NOT EXISTS outbox_event_person ON outbox (event_id, person_id)
    WHERE event_id IS NOT NULL;

-- Confirmed seats of an event, per organisation: counted under the event
-- lock on every confirmation (an index-only scan, not the event's rows).
CREATE INDEX IF NOT EXISTS registrations_confirmed ON registrations (event_id, organisation_id)
    WHERE state = 'confirmed';

-- Confirmed seats per event, kept by triggers on registrations, so that
-- the seat decision under the event lock reads one row instead of counting
-- every confirmed registration (O(1), not O(confirmed)).
CREATE TABLE IF NOT EXISTS event_seats (
    event_id  bigint PRIMARY KEY REFERENCES events(id),
    confirmed integer NOT NULL DEFAULT 0 CHECK (confirmed >= 0)
);
INSERT INTO event_seats (event_id, confirmed)
SELECT event_id, count(*) FROM registrations WHERE state = 'confirmed' GROUP BY event_id
ON CONFLICT (event_id) DO UPDATE SET confirmed = EXCLUDED.confirmed;

-- Add the change a registration row made to its event's confirmed seats.
CREATE OR REPLACE FUNCTION cv_event_seats_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'confirmed' THEN
        UPDATE event_seats SET confirmed = confirmed - 1 WHERE event_id = OLD.event_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.state = 'confirmed' THEN
        INSERT INTO event_seats (event_id, confirmed) VALUES (NEW.event_id, 1)
        ON CONFLICT (event_id) DO UPDATE SET confirmed = event_seats.confirmed + 1;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS registrations_seats_insert ON registrations;
DROP TRIGGER IF EXISTS registrations_seats_update ON registrations;
DROP TRIGGER IF EXISTS registrations_seats_delete ON registrations;
CREATE TRIGGER registrations_seats_insert AFTER INSERT ON registrations
    FOR EACH ROW WHEN (NEW.state = 'confirmed') EXECUTE FUNCTION cv_event_seats_track();
CREATE TRIGGER registrations_seats_update AFTER UPDATE OF state, event_id ON registrations
    FOR EACH ROW WHEN ((OLD.state = 'confirmed' OR NEW.state = 'confirmed')
                       AND (OLD.state IS DISTINCT FROM NEW.state
                            OR OLD.event_id IS DISTINCT FROM NEW.event_id))
    EXECUTE FUNCTION cv_event_seats_track();
CREATE TRIGGER registrations_seats_delete AFTER DELETE ON registrations
    FOR EACH ROW WHEN (OLD.state = 'confirmed') EXECUTE FUNCTION cv_event_seats_track();

-- The instant of a reminder (see sql/003) as one expression, so that the
-- planner inlines it instead of planning a query on every call.
CREATE OR REPLACE FUNCTION cv_reminder_instant(p_local timestamp, p_tz text, p_off text)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT ((p_local - make_interval(days => extract(day FROM p_off::interval)::int))
            AT TIME ZONE p_tz)
           - (p_off::interval - make_interval(days => extract(day FROM p_off::interval)::int))
$$;

-- One notification about a registration (see sql/004) in PL/pgSQL, whose
-- plan is kept for the session (an SQL function's INSERT is planned anew
-- on every call from PL/pgSQL).
CREATE OR REPLACE FUNCTION cv_reg_notify(p_kind text, p_reg bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, dedupe_key)
    SELECT p_kind, p.email, p.name, p.language, p.id, r.event_id, r.id,
           'reg:' || p_kind || ':' || r.id || ':' || txid_current()
      FROM registrations r JOIN people p ON p.id = r.person_id
     WHERE r.id = p_reg
    ON CONFLICT (dedupe_key) DO NOTHING;
END
$$;

-- The pending event reminders of PERSON for EVENT brought in line with the
-- event and the person's registration, like cv_schedule_event_reminders
-- for one person: one row per offset while the registration is confirmed
-- and the event published, due at the offset's instant.  A reminder that
-- was cancelled (registration cancelled, then registered and confirmed
-- again) is made pending again.  Returns rows created or revived.
CREATE OR REPLACE FUNCTION cv_schedule_person_event_reminders(p_event bigint, p_person bigint)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    e events%ROWTYPE;
    offs text[] := '{}';
    v_key text;
    n integer;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF e.status = 'published'
       AND EXISTS (SELECT 1 FROM registrations r
                    WHERE r.event_id = p_event AND r.person_id = p_person
                      AND r.state = 'confirmed') THEN
        offs := COALESCE(e.reminders,
                         (SELECT offsets FROM reminder_defaults WHERE kind = e.kind::text),
                         '{}');
    END IF;
    v_key := 'rem:e:' || p_event || ':' || p_person || ':';

    -- pending rows that are no longer wanted
    UPDATE outbox o SET state = 'cancelled', updated_at = now(),
           last_error = CASE WHEN e.status <> 'published' THEN 'event ' || e.status
                             ELSE 'no longer due' END
     WHERE o.event_id = p_event AND o.person_id = p_person
       AND o.kind = 'event_reminder' AND o.state = 'pending'
       AND (o.reminder_offset IS NULL OR NOT (o.reminder_offset = ANY (offs))
            OR cv_reminder_instant(e.start_local, e.tz, o.reminder_offset) <= now()
            OR EXISTS (SELECT 1 FROM outbox o2
                        WHERE o2.dedupe_key = v_key || o.reminder_offset || ':'
                                  || extract(epoch FROM e.start_at)::bigint
                          AND o2.id <> o.id));

    -- the rest move with the event
    UPDATE outbox o
       SET due_at = t.at, next_attempt_at = t.at, updated_at = now(),
           dedupe_key = v_key || o.reminder_offset || ':' || extract(epoch FROM e.start_at)::bigint
      FROM (SELECT o3.id, cv_reminder_instant(e.start_local, e.tz, o3.reminder_offset) AS at
              FROM outbox o3
             WHERE o3.event_id = p_event AND o3.person_id = p_person
               AND o3.kind = 'event_reminder' AND o3.state = 'pending') t
     WHERE o.id = t.id AND (o.due_at <> t.at OR o.next_attempt_at <> t.at);

    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, reminder_offset, due_at,
                        next_attempt_at, dedupe_key)
    SELECT 'event_reminder', p.email, p.name, p.language, p.id, e.id, r.id, off, inst, inst,
           v_key || off || ':' || extract(epoch FROM e.start_at)::bigint
      FROM registrations r
      JOIN people p ON p.id = r.person_id
      CROSS JOIN unnest(offs) AS off
      CROSS JOIN LATERAL cv_reminder_instant(e.start_local, e.tz, off) AS inst
     WHERE r.event_id = p_event AND r.person_id = p_person AND r.state = 'confirmed'
       AND inst > now()
    ON CONFLICT (dedupe_key) DO UPDATE
       SET state = 'pending', attempts = 0, last_error = NULL, claimed_by = NULL,
           lease_until = NULL, due_at = EXCLUDED.due_at,
           next_attempt_at = EXCLUDED.next_attempt_at,
           registration_id = EXCLUDED.registration_id, recipient = EXCLUDED.recipient,
           recipient_name = EXCLUDED.recipient_name, language = EXCLUDED.language,
           updated_at = now()
     WHERE outbox.state = 'cancelled';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Register EMAIL for EVENT (see sql/004): the event row is read, not
-- locked, so registrations for one event run in parallel; two requests
-- for the same address meet on the (event_id, person_id) unique key and
-- the second returns the first's registration.  A registration racing
-- with the event's cancellation may be left pending; it cannot be
-- confirmed (cv_confirm checks the status under the event lock).
CREATE OR REPLACE FUNCTION cv_register(p_event bigint, p_email text, p_name text,
                                       p_org_id bigint, p_org_name text, p_org_country text,
                                       p_role text, p_lang text, p_token text, p_feed_token text,
                                       OUT registration_id bigint,
                                       OUT reg_state registration_state,
                                       OUT created boolean, OUT resent boolean)
LANGUAGE plpgsql AS $$
DECLARE
    ev events%ROWTYPE;
    v_org bigint;
    v_person bigint;
    v_old registrations%ROWTYPE;
BEGIN
    SELECT * INTO ev FROM events WHERE id = p_event;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'event',
            MESSAGE = format('no such event: %s', p_event);
    END IF;
    IF ev.status <> 'published' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'event',
            MESSAGE = CASE ev.status WHEN 'cancelled'
                           THEN 'this event has been cancelled'
                           ELSE 'this event is not open for registration' END;
    END IF;
    IF ev.reg_opens_at IS NOT NULL AND now() < ev.reg_opens_at THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'event',
            MESSAGE = 'registration opens on ' || cv_reg_local(ev.reg_opens_at, ev.tz);
    END IF;
    IF now() >= coalesce(ev.reg_closes_at, ev.start_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'event',
            MESSAGE = 'registration closed on '
                      || cv_reg_local(coalesce(ev.reg_closes_at, ev.start_at), ev.tz);
    END IF;

    v_org := cv_org_find(p_org_id, p_org_name, p_org_country);
    v_person := cv_person_find(p_email, p_name, v_org, p_role::person_role,
                               p_lang::person_lang, p_feed_token);

    LOOP
        SELECT * INTO v_old FROM registrations
         WHERE event_id = p_event AND person_id = v_person FOR UPDATE;
        EXIT WHEN FOUND;
        INSERT INTO registrations (event_id, person_id, organisation_id, token)
        VALUES (p_event, v_person, v_org, p_token)
        ON CONFLICT (event_id, person_id) DO NOTHING
        RETURNING id INTO registration_id;
        IF registration_id IS NOT NULL THEN
            PERFORM cv_reg_notify('registration_confirm_request', registration_id);
            reg_state := 'pending';
            created := true;
            resent := false;
            RETURN;
        END IF;
        -- a concurrent request for the same address committed first: its
        -- row is visible to the next statement
    END LOOP;

    registration_id := v_old.id;
    created := false;
    resent := false;
    IF v_old.state = 'cancelled' THEN
        UPDATE registrations
           SET state = 'pending', organisation_id = coalesce(v_org, organisation_id),
               waitlist_pos = NULL, cancelled_at = NULL, updated_at = now()
         WHERE id = v_old.id;
        v_old.state := 'pending';
    END IF;
    IF v_old.state = 'pending' THEN
        PERFORM cv_reg_notify('registration_confirm_request', v_old.id);
        resent := true;
    END IF;
    reg_state := v_old.state;
END
$$;

-- Seat counts under the event lock: confirmed in the event (event_seats),
-- and confirmed from ORG (0 when org is NULL; an index-only scan of
-- registrations_confirmed).  PL/pgSQL: its plans are kept.
CREATE OR REPLACE FUNCTION cv_reg_counts(p_event bigint, p_org bigint,
                                         OUT n_event bigint, OUT n_org bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    n_event := coalesce((SELECT s.confirmed FROM event_seats s WHERE s.event_id = p_event), 0);
    n_org := 0;
    IF p_org IS NOT NULL THEN
        SELECT count(*) INTO n_org FROM registrations r
         WHERE r.event_id = p_event AND r.organisation_id = p_org
           AND r.state = 'confirmed';
    END IF;
END
$$;

-- Confirm the registration with TOKEN (see sql/004).  Seats are decided
-- under the event lock; only the counts the event limits are taken, and
-- only this person's reminders are scheduled.
CREATE OR REPLACE FUNCTION cv_confirm(p_token text, OUT registration_id bigint,
                                      OUT reg_state registration_state, OUT changed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_event bigint;
    ev events%ROWTYPE;
    r registrations%ROWTYPE;
    v_n_event bigint;
    v_n_org bigint;
BEGIN
    SELECT event_id INTO v_event FROM registrations WHERE token = p_token;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'token',
            MESSAGE = 'no registration has this link';
    END IF;
    SELECT * INTO ev FROM events WHERE id = v_event FOR NO KEY UPDATE;
    SELECT * INTO r FROM registrations WHERE token = p_token FOR UPDATE;
    registration_id := r.id;
    reg_state := r.state;
    changed := false;
    IF r.state IN ('confirmed', 'waitlisted') THEN
        RETURN;
    END IF;
    IF r.state = 'cancelled' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'token',
            MESSAGE = 'this registration was cancelled; register again to take part';
    END IF;
    IF ev.status = 'cancelled' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'event',
            MESSAGE = 'this event has been cancelled';
    END IF;
    IF now() >= ev.end_at THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'event',
            MESSAGE = 'this event is over';
    END IF;

    IF ev.capacity IS NOT NULL OR ev.org_cap IS NOT NULL THEN
        SELECT * INTO v_n_event, v_n_org
          FROM cv_reg_counts(ev.id, CASE WHEN ev.org_cap IS NULL THEN NULL
                                         ELSE r.organisation_id END);
    END IF;
    IF (ev.capacity IS NULL OR v_n_event < ev.capacity)
       AND (ev.org_cap IS NULL OR v_n_org < ev.org_cap) THEN
        UPDATE registrations SET state = 'confirmed', confirmed_at = now(),
               updated_at = now() WHERE id = r.id;
        reg_state := 'confirmed';
        PERFORM cv_reg_notify('registration_confirmed', r.id);
        PERFORM cv_schedule_person_event_reminders(ev.id, r.person_id);
    ELSE
        -- only waiting rows carry a position (promotion and cancellation
        -- clear it), so the last one is the end of the list
        UPDATE registrations
           SET state = 'waitlisted', waitlisted_at = now(), updated_at = now(),
               waitlist_pos = (SELECT coalesce(max(waitlist_pos), 0) + 1
                                 FROM registrations
                                WHERE event_id = ev.id AND state = 'waitlisted')
         WHERE id = r.id;
        reg_state := 'waitlisted';
        PERFORM cv_reg_notify('registration_waitlisted', r.id);
    END IF;
    changed := true;
END
$$;

-- Promote waiting people of EVENT in order while there is room (see
-- sql/004); each promoted person's reminders are scheduled for them alone.
CREATE OR REPLACE FUNCTION cv_promote_waitlist(p_event bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    ev events%ROWTYPE;
    w record;
    c record;
    n integer := 0;
BEGIN
    SELECT * INTO ev FROM events WHERE id = p_event FOR NO KEY UPDATE;
    IF NOT FOUND OR ev.status = 'cancelled' OR now() >= ev.end_at THEN
        RETURN 0;
    END IF;
    FOR w IN SELECT id, person_id, organisation_id FROM registrations
              WHERE event_id = p_event AND state = 'waitlisted'
              ORDER BY waitlist_pos, id FOR UPDATE
    LOOP
        c := cv_reg_counts(p_event, w.organisation_id);
        EXIT WHEN ev.capacity IS NOT NULL AND c.n_event >= ev.capacity;
        CONTINUE WHEN ev.org_cap IS NOT NULL AND c.n_org >= ev.org_cap;
        UPDATE registrations
           SET state = 'confirmed', waitlist_pos = NULL, promoted_at = now(),
               confirmed_at = now(), updated_at = now()
         WHERE id = w.id;
        PERFORM cv_reg_notify('registration_promoted', w.id);
        PERFORM cv_schedule_person_event_reminders(p_event, w.person_id);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- Cancel a registration (see sql/004), the event locked FOR NO KEY UPDATE.
CREATE OR REPLACE FUNCTION cv_cancel_registration(p_token text, p_id bigint,
                                                  OUT registration_id bigint,
                                                  OUT reg_state registration_state,
                                                  OUT changed boolean, OUT promoted integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_event bigint;
    r registrations%ROWTYPE;
BEGIN
    SELECT event_id INTO v_event FROM registrations
     WHERE (p_token IS NOT NULL AND token = p_token)
        OR (p_token IS NULL AND id = p_id);
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404',
            COLUMN = CASE WHEN p_token IS NULL THEN 'id' ELSE 'token' END,
            MESSAGE = 'no such registration';
    END IF;
    PERFORM 1 FROM events WHERE id = v_event FOR NO KEY UPDATE;
    SELECT * INTO r FROM registrations
     WHERE (p_token IS NOT NULL AND token = p_token)
        OR (p_token IS NULL AND id = p_id)
       FOR UPDATE;
    registration_id := r.id;
    reg_state := 'cancelled';
    changed := false;
    promoted := 0;
    IF r.state = 'cancelled' THEN
        RETURN;
    END IF;
    UPDATE registrations SET state = 'cancelled', waitlist_pos = NULL,
           cancelled_at = now(), updated_at = now() WHERE id = r.id;
    -- reminders for this person and event that have not gone out
    UPDATE outbox SET state = 'cancelled', updated_at = now()
     WHERE event_id = r.event_id AND person_id = r.person_id
       AND state = 'pending' AND kind <> 'registration_cancelled';
    PERFORM cv_reg_notify('registration_cancelled', r.id);
    changed := true;
    IF r.state = 'confirmed' THEN
        promoted := cv_promote_waitlist(r.event_id);
    END IF;
END
$$;

-- Wake the schedulers as sql/003 does, except in a transaction whose
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

-- cv_register for the daemon's own requests: no NOTIFY (the daemon kicks
-- its scheduler after the commit).  Same results and errors.
CREATE OR REPLACE FUNCTION cv_register_local(p_event bigint, p_email text, p_name text,
                                             p_org_id bigint, p_org_name text,
                                             p_org_country text, p_role text, p_lang text,
                                             p_token text, p_feed_token text,
                                             OUT registration_id bigint,
                                             OUT reg_state registration_state,
                                             OUT created boolean, OUT resent boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('convened.wake_local', 'on', true);
    SELECT r.registration_id, r.reg_state, r.created, r.resent
      INTO registration_id, reg_state, created, resent
      FROM cv_register(p_event, p_email, p_name, p_org_id, p_org_name, p_org_country,
                       p_role, p_lang, p_token, p_feed_token) r;
END
$$;
