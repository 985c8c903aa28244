-- registrations.sql - registrations with double opt-in, capacity,
-- per-organisation caps and the waiting list, enforced in the database so
-- that several daemons on one database never oversell a seat.
--
-- Seats are rows (seats.sql, sql/017_seat_rows.sql): a confirmation holds
-- its event FOR KEY SHARE only and claims a free seat row with SKIP
-- LOCKED, the per-organisation cap counted under one seat_orgs row, so
-- confirmations of one event commit in parallel.  Waiting and promoting
-- (cv_confirm when no seat is left, cv_promote_waitlist,
-- cv_cancel_registration) take the event FOR NO KEY UPDATE, which does
-- not conflict with FOR KEY SHARE (the confirmations in flight, and every
-- INSERT referencing the event for its foreign key).  A confirmation
-- schedules the reminders of its own person only.

-- Write one notification about a registration to the outbox.  The dedupe
-- key includes the transaction id: one row per kind, registration and
-- transaction, and a later resend gets a new key.  An invitation or
-- cancellation gets its SEQUENCE (cv_itip_sequence), which the
-- registration keeps as the one its person has seen.  PL/pgSQL, whose
-- plan is kept for the session (an SQL function's INSERT is planned anew
-- on every call from PL/pgSQL).
CREATE OR REPLACE FUNCTION cv_reg_notify(p_kind text, p_reg bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s integer;
BEGIN
    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, itip_sequence, dedupe_key)
    SELECT p_kind, p.email, p.name, p.language, p.id, r.event_id, r.id,
           cv_itip_sequence(p_kind, r.state, r.itip_sequence, e.sequence),
           'reg:' || p_kind || ':' || r.id || ':' || txid_current()
      FROM registrations r JOIN people p ON p.id = r.person_id
      JOIN events e ON e.id = r.event_id
     WHERE r.id = p_reg
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING itip_sequence INTO s;
    IF s IS NOT NULL THEN
        UPDATE registrations SET itip_sequence = s WHERE id = p_reg;
    END IF;
END
$$;

-- The secretariat resends a person's link: the mail of the registration's
-- state once more (pending: the confirmation request; confirmed: the
-- confirmation with its invitation; waitlisted: the waiting-list mail),
-- with the same token.  404 unknown, 409 cancelled.
CREATE OR REPLACE FUNCTION cv_registration_resend(p_reg bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
    v_kind text;
BEGIN
    SELECT r.state::text INTO v_state FROM registrations r WHERE r.id = p_reg;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'id',
            MESSAGE = format('no registration %s', p_reg);
    END IF;
    v_kind := CASE v_state WHEN 'pending' THEN 'registration_confirm_request'
                           WHEN 'confirmed' THEN 'registration_confirmed'
                           WHEN 'waitlisted' THEN 'registration_waitlisted' END;
    IF v_kind IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'state',
            MESSAGE = format('registration %s is %s: there is no link to resend',
                             p_reg, v_state);
    END IF;
    PERFORM cv_reg_notify(v_kind, p_reg);
    RETURN json_build_object('id', p_reg, 'state', v_state, 'kind', v_kind,
                             'outbox', (SELECT max(o.id) FROM outbox o
                                         WHERE o.registration_id = p_reg AND o.kind = v_kind));
END
$$;

-- Find or create an organisation: by id, or by name and country.
CREATE OR REPLACE FUNCTION cv_org_find(p_org_id bigint, p_name text, p_country text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    IF p_org_id IS NOT NULL THEN
        SELECT id INTO v_id FROM organisations WHERE id = p_org_id;
        IF v_id IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'organisation_id',
                MESSAGE = format('field organisation_id: no organisation %s', p_org_id);
        END IF;
        RETURN v_id;
    END IF;
    IF p_name IS NULL OR p_country IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO organisations (name, country) VALUES (p_name, p_country)
    ON CONFLICT (lower(name), country) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM organisations
         WHERE lower(name) = lower(p_name) AND country = p_country;
    END IF;
    RETURN v_id;
END
$$;

-- Find a person by email (case-insensitively) or create one.  An existing
-- person's details are not overwritten by an unconfirmed request.
CREATE OR REPLACE FUNCTION cv_person_find(p_email text, p_name text, p_org bigint,
                               p_role person_role, p_lang person_lang,
                               p_feed_token text, p_tz text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    -- a known person's role and zone change only when a registration is
    -- confirmed (registrations.given_role, given_tz; cv_confirm)
    INSERT INTO people (email, name, organisation_id, role, language, tz, feed_token)
    VALUES (p_email, p_name, p_org, coalesce(p_role, 'other'), p_lang, p_tz, p_feed_token)
    ON CONFLICT (lower(email)) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM people WHERE lower(email) = lower(p_email);
        UPDATE people SET organisation_id = p_org, updated_at = now()
         WHERE id = v_id AND organisation_id IS NULL AND p_org IS NOT NULL;
    END IF;
    RETURN v_id;
END
$$;

-- Register EMAIL for EVENT: a pending registration and a confirmation
-- request in the outbox.  ANSWERS ({question key: value}) are checked by
-- cv_answers_check (questions.sql; NULL: none given, as by mail, and the
-- required questions are not enforced) and stored with a new or reopened
-- registration; an existing one keeps its answers (they change through
-- its token, cv_answers_change).  A second registration of the same address
-- returns the existing one (resending the request while it is pending;
-- reopening it when it was cancelled).  Tokens come from the caller.
-- The event row is read, not locked, so registrations for one event run in
-- parallel; two requests for the same address meet on the (event_id,
-- person_id) unique key and the second returns the first's registration.
-- A registration racing with the event's cancellation may be left
-- pending; it cannot be confirmed (cv_confirm checks the status under the
-- event lock).
CREATE OR REPLACE FUNCTION cv_register(p_event bigint, p_email text, p_name text,
                                       p_org_id bigint, p_org_name text, p_org_country text,
                                       p_role text, p_lang text, p_token text, p_feed_token text,
                                       p_tz text DEFAULT NULL,
                                       p_answers jsonb DEFAULT NULL,
                                       OUT registration_id bigint,
                                       OUT reg_state registration_state,
                                       OUT created boolean, OUT resent boolean)
LANGUAGE plpgsql AS $$
DECLARE
    ev events%ROWTYPE;
    v_org bigint;
    v_person bigint;
    v_old registrations%ROWTYPE;
    win record;
    v_answers jsonb;
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
    SELECT * INTO win FROM cv_reg_window(ev);
    IF win.registration = 'opens' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'event',
            MESSAGE = 'registration opens on ' || win.registration_at;
    END IF;
    IF win.registration = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV409', COLUMN = 'event',
            MESSAGE = 'registration closed on ' || win.registration_at;
    END IF;

    IF p_tz IS NOT NULL AND NOT cv_zone_known(p_tz) THEN
        PERFORM cv_fail(422, 'tz', 'is not a known IANA time zone');
    END IF;
    -- the answers to the event's questions (questions.sql), the one check
    v_answers := cv_answers_check(p_event, p_answers, p_answers IS NULL);

    v_org := cv_org_find(p_org_id, p_org_name, p_org_country);
    v_person := cv_person_find(p_email, p_name, v_org, nullif(p_role, '')::person_role,
                               p_lang::person_lang, p_feed_token, p_tz);

    LOOP
        SELECT * INTO v_old FROM registrations
         WHERE event_id = p_event AND person_id = v_person FOR UPDATE;
        EXIT WHEN FOUND;
        INSERT INTO registrations (event_id, person_id, organisation_id, token,
                                   given_role, given_tz)
        VALUES (p_event, v_person, v_org, p_token, nullif(p_role, '')::person_role, p_tz)
        ON CONFLICT (event_id, person_id) DO NOTHING
        RETURNING id INTO registration_id;
        IF registration_id IS NOT NULL THEN
            PERFORM cv_answers_store(registration_id, v_answers, true, 'participant', false);
            -- the per-recipient mail throttle (throttle.sql) may withhold it
            IF cv_mail_allow(p_email, 'reg:' || p_event) THEN
                PERFORM cv_reg_notify('registration_confirm_request', registration_id);
            END IF;
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
    IF v_old.state IN ('pending', 'cancelled') THEN
        -- the newest request's word, applied when it is confirmed
        UPDATE registrations
           SET given_role = coalesce(nullif(p_role, '')::person_role, given_role),
               given_tz = coalesce(p_tz, given_tz)
         WHERE id = v_old.id;
    END IF;
    IF v_old.state = 'cancelled' THEN
        UPDATE registrations
           SET state = 'pending', organisation_id = coalesce(v_org, organisation_id),
               waitlist_pos = NULL, cancelled_at = NULL, updated_at = now()
         WHERE id = v_old.id;
        v_old.state := 'pending';
        IF p_answers IS NOT NULL THEN
            PERFORM cv_answers_store(v_old.id, v_answers, true, 'participant', false);
        END IF;
    END IF;
    IF v_old.state = 'pending' THEN
        -- resent: a confirmation request is on its way; one withheld by the
        -- mail throttle went out a moment ago (the answer does not say which)
        IF cv_mail_allow(p_email, 'reg:' || p_event) THEN
            PERFORM cv_reg_notify('registration_confirm_request', v_old.id);
        END IF;
        resent := true;
    END IF;
    reg_state := v_old.state;
END
$$;

-- cv_register for the daemon's own requests: no NOTIFY (the daemon kicks
-- its scheduler after the commit).  Same results and errors.
CREATE OR REPLACE FUNCTION cv_register_local(p_event bigint, p_email text, p_name text,
                                             p_org_id bigint, p_org_name text,
                                             p_org_country text, p_role text, p_lang text,
                                             p_token text, p_feed_token text,
                                             p_tz text DEFAULT NULL,
                                             p_answers jsonb DEFAULT NULL,
                                             OUT registration_id bigint,
                                             OUT reg_state registration_state,
                                             OUT created boolean, OUT resent boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('convened.wake_local', 'on', true);
    SELECT r.registration_id, r.reg_state, r.created, r.resent
      INTO registration_id, reg_state, created, resent
      FROM cv_register(p_event, p_email, p_name, p_org_id, p_org_name, p_org_country,
                       p_role, p_lang, p_token, p_feed_token, p_tz, p_answers) r;
END
$$;

-- Seat counts: confirmed in the event and confirmed from ORG (0 when org
-- is NULL), both index-only scans of registrations_confirmed.  For the
-- pages; the seat decision itself claims seat rows (seats.sql).
CREATE OR REPLACE FUNCTION cv_reg_counts(p_event bigint, p_org bigint,
                                         OUT n_event bigint, OUT n_org bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT count(*) INTO n_event FROM registrations r
     WHERE r.event_id = p_event AND r.state = 'confirmed';
    n_org := 0;
    IF p_org IS NOT NULL THEN
        SELECT count(*) INTO n_org FROM registrations r
         WHERE r.event_id = p_event AND r.organisation_id = p_org
           AND r.state = 'confirmed';
    END IF;
END
$$;

-- Confirm the registration with TOKEN (the button on the token page): a
-- seat when the event has room and the organisation is under its cap,
-- otherwise the end of the waiting list.  Confirming twice changes
-- nothing.  The first try holds the event FOR KEY SHARE only, which other
-- confirmations do not wait for: the seat is a row claimed with SKIP
-- LOCKED and the cap is counted under the organisation's seat_orgs row
-- (seats.sql).  When it finds no seat or no room it is undone (a
-- subtransaction, its locks released) and the decision is taken again
-- under the event lock, FOR NO KEY UPDATE, taken before the
-- registration's as cancellations take them.  Only this person's
-- reminders are scheduled.
CREATE OR REPLACE FUNCTION cv_confirm(p_token text, OUT registration_id bigint,
                                      OUT reg_state registration_state, OUT changed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_event bigint;
    ev events%ROWTYPE;
    r registrations%ROWTYPE;
    v_got text;
    v_seat bigint;
BEGIN
    SELECT event_id INTO v_event FROM registrations WHERE token = p_token;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'token',
            MESSAGE = 'no registration has this link';
    END IF;
    SELECT * INTO ev FROM events WHERE id = v_event FOR KEY SHARE;
    BEGIN
        SELECT * INTO r FROM registrations WHERE token = p_token FOR UPDATE;
        IF r.state = 'pending' AND ev.status <> 'cancelled' AND now() < ev.end_at THEN
            IF ev.org_cap IS NOT NULL AND r.organisation_id IS NOT NULL
               AND NOT cv_seat_org_room(ev, r.organisation_id) THEN
                RAISE SQLSTATE 'CVST3';
            END IF;
            IF ev.capacity IS NOT NULL THEN
                SELECT s.id INTO v_seat FROM seats s
                 WHERE s.event_id = ev.id AND s.registration_id IS NULL
                 ORDER BY s.id LIMIT 1 FOR UPDATE SKIP LOCKED;
                IF NOT FOUND THEN
                    RAISE SQLSTATE 'CVST3';
                END IF;
                UPDATE seats SET registration_id = r.id WHERE id = v_seat;
            END IF;
            v_got := 'seat';
        END IF;
    EXCEPTION WHEN SQLSTATE 'CVST3' THEN
        -- the waiting list is decided under the lock cancellations take:
        -- a seat freed meanwhile is seen here, or its canceller sees us
        PERFORM 1 FROM events WHERE id = ev.id FOR NO KEY UPDATE;
        SELECT * INTO r FROM registrations WHERE token = p_token FOR UPDATE;
    END;
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

    IF v_got IS NULL THEN
        v_got := cv_seat_take(ev, r.id, r.organisation_id);
    END IF;
    IF v_got = 'seat' THEN
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
    -- the person has now confirmed the address: the role and zone given
    -- with the request are theirs (014_registration_given.sql)
    IF r.given_role IS NOT NULL OR r.given_tz IS NOT NULL THEN
        UPDATE people SET role = coalesce(r.given_role, role),
                          tz = coalesce(r.given_tz, tz), updated_at = now()
         WHERE id = r.person_id;
        UPDATE registrations SET given_role = NULL, given_tz = NULL WHERE id = r.id;
    END IF;
    changed := true;
END
$$;

-- cv_confirm for the daemon's own token page, without a NOTIFY: a NOTIFY
-- takes a database-wide lock held through the commit's WAL flush, so every
-- confirmation's commit would queue on it.  The daemon, once committed,
-- kicks its own scheduler and tells the feeds (cv_feed_person_changed,
-- feeds.sql) about PERSON_ID when CHANGED.  Same results and errors.
CREATE OR REPLACE FUNCTION cv_confirm_local(p_token text, OUT registration_id bigint,
                                            OUT reg_state registration_state,
                                            OUT changed boolean, OUT person_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('convened.wake_local', 'on', true);
    SELECT c.registration_id, c.reg_state, c.changed INTO registration_id, reg_state, changed
      FROM cv_confirm(p_token) c;
    SELECT r.person_id INTO person_id FROM registrations r WHERE r.id = registration_id;
END
$$;

-- Promote waiting people of EVENT in order while there is a free seat,
-- skipping those whose organisation is at its cap; each promoted person's
-- reminders are scheduled for them alone.  Returns how many were promoted.
-- Called after a cancellation and by the events API when capacity rises,
-- under FOR NO KEY UPDATE on the event (taken here too): a seat that a
-- confirmation in flight is claiming is not free, and the one the caller
-- freed is this transaction's own (seats.sql).
CREATE OR REPLACE FUNCTION cv_promote_waitlist(p_event bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    ev events%ROWTYPE;
    w record;
    v_got text;
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
        EXIT WHEN ev.capacity IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM seats s
                               WHERE s.event_id = p_event AND s.registration_id IS NULL);
        v_got := cv_seat_take(ev, w.id, w.organisation_id);
        EXIT WHEN v_got = 'full';
        CONTINUE WHEN v_got = 'cap';
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

-- Cancel a registration, by its token (the participant) or its id (the
-- secretariat), the event locked FOR NO KEY UPDATE.  A freed seat goes at
-- once to the first eligible waiting person.  Cancelling twice changes
-- nothing.
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

-- The registration window of event E, the one rule both cv_register and
-- the form page (cv_public_event, pages.sql) follow: registration is
-- 'cancelled', 'opens' (not yet), 'closed' or 'open'; registration_at is
-- when it opens (for 'opens') or closes, as local text in the event's zone,
-- and registration_utc the same instant in Unix seconds (for the pages'
-- ICU formatter, daemon/when.h).
CREATE OR REPLACE FUNCTION cv_reg_window(e events, OUT registration text,
                                         OUT registration_at text,
                                         OUT registration_utc bigint)
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN e.status = 'cancelled' THEN 'cancelled'
                WHEN e.reg_opens_at IS NOT NULL AND now() < e.reg_opens_at THEN 'opens'
                WHEN now() >= coalesce(e.reg_closes_at, e.start_at) THEN 'closed'
                ELSE 'open' END,
           CASE WHEN e.reg_opens_at IS NOT NULL AND now() < e.reg_opens_at
                THEN cv_reg_local(e.reg_opens_at, e.tz)
                ELSE cv_reg_local(coalesce(e.reg_closes_at, e.start_at), e.tz) END,
           floor(extract(epoch FROM
               CASE WHEN e.reg_opens_at IS NOT NULL AND now() < e.reg_opens_at
                    THEN e.reg_opens_at
                    ELSE coalesce(e.reg_closes_at, e.start_at) END))::bigint
$$;

-- A waiting registration's place in line (1 = next), NULL when R is not
-- waiting: the order cv_promote_waitlist promotes in.
CREATE OR REPLACE FUNCTION cv_waitlist_rank(r registrations) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.state = 'waitlisted' THEN
               (SELECT count(*) FROM registrations w
                 WHERE w.event_id = r.event_id AND w.state = 'waitlisted'
                   AND w.waitlist_pos <= r.waitlist_pos) END
$$;

-- An event's start and end as the pages show them: 'YYYY-MM-DD HH:MI' in
-- its zone, or the first and last day of an all-day event.
CREATE OR REPLACE FUNCTION cv_event_when(e events, OUT start_text text,
                                         OUT end_text text)
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN e.all_day THEN to_char(e.start_local, 'YYYY-MM-DD')
                ELSE to_char(e.start_local, 'YYYY-MM-DD HH24:MI') END,
           CASE WHEN e.all_day THEN to_char(e.end_local - interval '1 day', 'YYYY-MM-DD')
                ELSE to_char(e.end_local, 'YYYY-MM-DD HH24:MI') END
$$;

-- The secretariat's list of an event's registrations (all, or those in
-- P_STATE): pending, confirmed, waiting (by place), cancelled, with the
-- answers to the event's questions ({key: value}).  Times are UTC ISO 8601.  An unknown event is CV404.
CREATE OR REPLACE FUNCTION cv_registration_list(p_event bigint, p_state registration_state)
RETURNS TABLE (id bigint, state registration_state, waitlist_position bigint,
               name text, email text, organisation text, organisation_id bigint,
               country text, role person_role, language person_lang,
               created_at text, confirmed_at text, waitlisted_at text,
               promoted_at text, cancelled_at text, calendar_answer text,
               calendar_partstat text, calendar_answer_at text, mail_state text,
               answers jsonb)
LANGUAGE sql STABLE AS $$
    SELECT cv_fail(404, 'id', 'no event ' || p_event)
     WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = p_event);
    SELECT r.id, r.state, cv_waitlist_rank(r), p.name, p.email, o.name, o.id,
           o.country::text, p.role, p.language, cv_iso_utc(r.created_at),
           cv_iso_utc(r.confirmed_at), cv_iso_utc(r.waitlisted_at),
           cv_iso_utc(r.promoted_at), cv_iso_utc(r.cancelled_at),
           cv_registration_calendar_answer(r), lower(r.reply_partstat),
           cv_iso_utc(r.reply_at), cv_mail_state(p.email), cv_answers_json(r.id)
      FROM registrations r
      JOIN people p ON p.id = r.person_id
      LEFT JOIN organisations o ON o.id = r.organisation_id
     WHERE r.event_id = p_event AND (p_state IS NULL OR r.state = p_state)
     ORDER BY r.state, r.waitlist_pos, r.id
$$;

-- The list as the CSV download has it: the columns of cv_registration_list
-- but organisation_id and answers, in this order (cv_registration_sheet_json,
-- questions.sql, adds a column per question).
CREATE OR REPLACE FUNCTION cv_registration_sheet(p_event bigint,
                                                 p_state registration_state)
RETURNS TABLE (id bigint, state registration_state, waitlist_position bigint,
               name text, email text, organisation text, country text,
               role person_role, language person_lang, created_at text,
               confirmed_at text, waitlisted_at text, promoted_at text,
               cancelled_at text, calendar_answer text, calendar_partstat text,
               calendar_answer_at text, mail_state text)
LANGUAGE sql STABLE AS $$
    SELECT l.id, l.state, l.waitlist_position, l.name, l.email, l.organisation,
           l.country, l.role, l.language, l.created_at, l.confirmed_at,
           l.waitlisted_at, l.promoted_at, l.cancelled_at, l.calendar_answer,
           l.calendar_partstat, l.calendar_answer_at, l.mail_state
      FROM cv_registration_list(p_event, p_state) l
$$;

-- Everything the token page shows about one registration: its state and,
-- while waiting, its place and why (waitlist_reason 'full': the event has
-- no seat; 'cap': the organisation's places are taken), and whether the
-- event is over.
CREATE OR REPLACE FUNCTION cv_registration_view(p_token text)
RETURNS TABLE (id bigint, state registration_state, waitlist_rank bigint,
               person_name text, email text, language person_lang, feed_token text,
               event_id bigint, event_title text, event_status item_status,
               start_text text, end_text text, tz text, venue text, city text,
               country text, org_name text, calendar_partstat text,
               calendar_answer_at text, org_country text, waitlist_reason text,
               over boolean, start_utc bigint, end_utc bigint, all_day boolean,
               calendar_answer_utc bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.state,
           cv_waitlist_rank(r),
           p.name, p.email, p.language, p.feed_token,
           e.id, e.title, e.status,
           (cv_event_when(e)).start_text, (cv_event_when(e)).end_text,
           e.tz, e.venue, e.city, coalesce(e.country, ''), coalesce(o.name, ''),
           lower(r.reply_partstat),
           CASE WHEN r.reply_at IS NOT NULL THEN cv_format_local(r.reply_at, e.tz) END,
           coalesce(o.country, ''),
           CASE WHEN r.state <> 'waitlisted' THEN NULL
                WHEN e.capacity IS NOT NULL
                     AND (cv_reg_counts(e.id, NULL)).n_event >= e.capacity THEN 'full'
                WHEN e.org_cap IS NOT NULL
                     AND (cv_reg_counts(e.id, r.organisation_id)).n_org >= e.org_cap
                     THEN 'cap'
                ELSE 'full' END,
           now() >= e.end_at,
           floor(extract(epoch FROM e.start_at))::bigint,
           floor(extract(epoch FROM e.end_at))::bigint, e.all_day,
           floor(extract(epoch FROM r.reply_at))::bigint
      FROM registrations r
      JOIN people p ON p.id = r.person_id
      JOIN events e ON e.id = r.event_id
      LEFT JOIN organisations o ON o.id = r.organisation_id
     WHERE r.token = p_token
$$;

-- Correct the details of a registration's person: by TOKEN from the
-- registration's page (the person themselves), or by ID (the
-- secretariat).  Name, role and language are the person's; the
-- organisation (an existing one by id, or found or created by name and
-- country) becomes the person's and this registration's.  NULL leaves a
-- detail as it is.  Pending mails to the person carry the new name.  The
-- seat a confirmed registration holds is kept (the per-organisation cap is
-- decided at confirmation).  CV404 for an unknown registration.
CREATE OR REPLACE FUNCTION cv_registration_correct(p_token text, p_id bigint, p_name text,
                                                   p_org_id bigint, p_org_name text,
                                                   p_org_country text, p_role text,
                                                   p_lang text,
                                                   OUT registration_id bigint,
                                                   OUT person_id bigint, OUT name text,
                                                   OUT email text, OUT organisation_id bigint,
                                                   OUT organisation text, OUT country text,
                                                   OUT role person_role,
                                                   OUT language person_lang)
LANGUAGE plpgsql AS $$
DECLARE
    r registrations%ROWTYPE;
    v_org bigint;
BEGIN
    SELECT * INTO r FROM registrations x
     WHERE CASE WHEN p_token IS NOT NULL THEN x.token = p_token ELSE x.id = p_id END
       FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, CASE WHEN p_token IS NULL THEN 'id' ELSE 'token' END,
                        'no such registration');
    END IF;
    v_org := cv_org_find(p_org_id, p_org_name, p_org_country);
    UPDATE people p
       SET name = coalesce(p_name, p.name),
           role = coalesce(p_role::person_role, p.role),
           language = coalesce(p_lang::person_lang, p.language),
           organisation_id = coalesce(v_org, p.organisation_id),
           updated_at = now()
     WHERE p.id = r.person_id;
    IF v_org IS NOT NULL THEN
        UPDATE registrations x SET organisation_id = v_org, updated_at = now()
         WHERE x.id = r.id;
    END IF;
    UPDATE outbox o
       SET recipient_name = p.name, language = p.language, updated_at = now()
      FROM people p
     WHERE p.id = r.person_id AND o.person_id = p.id AND o.state = 'pending'
       AND (o.recipient_name IS DISTINCT FROM p.name OR o.language <> p.language);
    SELECT r.id, p.id, p.name, p.email, x.organisation_id, o.name, o.country, p.role,
           p.language
      INTO registration_id, person_id, name, email, organisation_id, organisation, country,
           role, language
      FROM registrations x
      JOIN people p ON p.id = x.person_id
      LEFT JOIN organisations o ON o.id = x.organisation_id
     WHERE x.id = r.id;
END
$$;
