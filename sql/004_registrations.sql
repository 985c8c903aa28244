-- 004_registrations.sql - registrations with double opt-in, capacity,
-- per-organisation caps and the waiting list, enforced under a row lock on
-- the event so that several daemons on one database never oversell a seat.
--
-- Errors raised here carry SQLSTATE CV400/CV404/CV409/CV422 (the HTTP
-- status the daemon answers) and COLUMN = the request field at fault.

-- Write one notification about a registration to the outbox.  The dedupe
-- key includes the transaction id: one row per kind, registration and
-- transaction, and a later resend gets a new key.
CREATE FUNCTION cv_reg_notify(p_kind text, p_reg bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        event_id, registration_id, dedupe_key)
    SELECT p_kind, p.email, p.name, p.language, p.id, r.event_id, r.id,
           'reg:' || p_kind || ':' || r.id || ':' || txid_current()
      FROM registrations r JOIN people p ON p.id = r.person_id
     WHERE r.id = p_reg
    ON CONFLICT (dedupe_key) DO NOTHING
$$;

-- Call cv_schedule_event_reminders(event) when the outbox migration has
-- defined it (resolved at run time: migrations may come in any order).
CREATE FUNCTION cv_reg_reminders(p_event bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regprocedure('cv_schedule_event_reminders(bigint)') IS NOT NULL THEN
        EXECUTE 'SELECT cv_schedule_event_reminders($1)' USING p_event;
    END IF;
END
$$;

-- "2027-03-01 09:00 (Europe/Rome)"
CREATE FUNCTION cv_reg_local(p_at timestamptz, p_tz text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(p_at AT TIME ZONE p_tz, 'YYYY-MM-DD HH24:MI') || ' (' || p_tz || ')'
$$;

-- Find or create an organisation: by id, or by name and country.
CREATE FUNCTION cv_org_find(p_org_id bigint, p_name text, p_country text)
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
CREATE FUNCTION cv_person_find(p_email text, p_name text, p_org bigint,
                               p_role person_role, p_lang person_lang,
                               p_feed_token text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO people (email, name, organisation_id, role, language, feed_token)
    VALUES (p_email, p_name, p_org, p_role, p_lang, p_feed_token)
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
-- request in the outbox.  A second registration of the same address
-- returns the existing one (resending the request while it is pending;
-- reopening it when it was cancelled).  Tokens come from the caller.
CREATE FUNCTION cv_register(p_event bigint, p_email text, p_name text,
                            p_org_id bigint, p_org_name text, p_org_country text,
                            p_role text, p_lang text, p_token text, p_feed_token text,
                            OUT registration_id bigint, OUT reg_state registration_state,
                            OUT created boolean, OUT resent boolean)
LANGUAGE plpgsql AS $$
DECLARE
    ev events%ROWTYPE;
    v_org bigint;
    v_person bigint;
    v_old registrations%ROWTYPE;
BEGIN
    SELECT * INTO ev FROM events WHERE id = p_event FOR UPDATE;
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

    SELECT * INTO v_old FROM registrations
     WHERE event_id = p_event AND person_id = v_person FOR UPDATE;
    IF FOUND THEN
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
        RETURN;
    END IF;

    INSERT INTO registrations (event_id, person_id, organisation_id, token)
    VALUES (p_event, v_person, v_org, p_token)
    RETURNING id INTO registration_id;
    PERFORM cv_reg_notify('registration_confirm_request', registration_id);
    reg_state := 'pending';
    created := true;
    resent := false;
END
$$;

-- Seat counts under the event lock: confirmed in the event, and confirmed
-- from ORG (0 when org is NULL).
CREATE FUNCTION cv_reg_counts(p_event bigint, p_org bigint,
                              OUT n_event bigint, OUT n_org bigint)
LANGUAGE sql STABLE AS $$
    SELECT count(*),
           count(*) FILTER (WHERE p_org IS NOT NULL AND organisation_id = p_org)
      FROM registrations WHERE event_id = p_event AND state = 'confirmed'
$$;

-- Confirm the registration with TOKEN (the button on the token page): a
-- seat when the event has room and the organisation is under its cap,
-- otherwise the end of the waiting list.  Confirming twice changes nothing.
CREATE FUNCTION cv_confirm(p_token text, OUT registration_id bigint,
                           OUT reg_state registration_state, OUT changed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_event bigint;
    ev events%ROWTYPE;
    r registrations%ROWTYPE;
    c record;
BEGIN
    SELECT event_id INTO v_event FROM registrations WHERE token = p_token;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'token',
            MESSAGE = 'no registration has this link';
    END IF;
    SELECT * INTO ev FROM events WHERE id = v_event FOR UPDATE;
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

    c := cv_reg_counts(ev.id, r.organisation_id);
    IF (ev.capacity IS NULL OR c.n_event < ev.capacity)
       AND (ev.org_cap IS NULL OR c.n_org < ev.org_cap) THEN
        UPDATE registrations SET state = 'confirmed', confirmed_at = now(),
               updated_at = now() WHERE id = r.id;
        reg_state := 'confirmed';
        PERFORM cv_reg_notify('registration_confirmed', r.id);
        PERFORM cv_reg_reminders(ev.id);
    ELSE
        UPDATE registrations
           SET state = 'waitlisted', waitlisted_at = now(), updated_at = now(),
               waitlist_pos = (SELECT coalesce(max(waitlist_pos), 0) + 1
                                 FROM registrations WHERE event_id = ev.id)
         WHERE id = r.id;
        reg_state := 'waitlisted';
        PERFORM cv_reg_notify('registration_waitlisted', r.id);
    END IF;
    changed := true;
END
$$;

-- Promote waiting people of EVENT in order while there is room, skipping
-- those whose organisation is at its cap.  Returns how many were promoted.
-- Called after a cancellation and by the events API when capacity rises.
CREATE FUNCTION cv_promote_waitlist(p_event bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    ev events%ROWTYPE;
    w record;
    c record;
    n integer := 0;
BEGIN
    SELECT * INTO ev FROM events WHERE id = p_event FOR UPDATE;
    IF NOT FOUND OR ev.status = 'cancelled' OR now() >= ev.end_at THEN
        RETURN 0;
    END IF;
    FOR w IN SELECT id, organisation_id FROM registrations
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
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        PERFORM cv_reg_reminders(p_event);
    END IF;
    RETURN n;
END
$$;

-- Cancel a registration, by its token (the participant) or its id (the
-- secretariat).  A freed seat goes at once to the first eligible waiting
-- person.  Cancelling twice changes nothing.
CREATE FUNCTION cv_cancel_registration(p_token text, p_id bigint,
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
    PERFORM 1 FROM events WHERE id = v_event FOR UPDATE;
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

-- Follow a project's deadlines by email.  Returns the follower row's token
-- and whether it is new.
CREATE FUNCTION cv_follow(p_slug text, p_email text, p_name text, p_lang text,
                          p_token text, p_feed_token text,
                          OUT person_id bigint, OUT follow_token text, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_project bigint;
    d record;
BEGIN
    SELECT id INTO v_project FROM projects WHERE slug = p_slug;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'project',
            MESSAGE = format('field project: no project %L', p_slug);
    END IF;
    person_id := cv_person_find(p_email, p_name, NULL, 'other', p_lang::person_lang,
                                p_feed_token);
    INSERT INTO deadline_followers (project_id, person_id, token)
    VALUES (v_project, person_id, p_token)
    ON CONFLICT DO NOTHING
    RETURNING token INTO follow_token;
    created := follow_token IS NOT NULL;
    IF NOT created THEN
        SELECT f.token INTO follow_token FROM deadline_followers f
         WHERE f.project_id = v_project AND f.person_id = cv_follow.person_id;
    END IF;
    IF created AND to_regprocedure('cv_schedule_deadline_reminders(bigint)') IS NOT NULL THEN
        FOR d IN SELECT id FROM deadlines
                  WHERE project_id = v_project AND status = 'published' AND due_at > now()
        LOOP
            EXECUTE 'SELECT cv_schedule_deadline_reminders($1)' USING d.id;
        END LOOP;
    END IF;
END
$$;

-- Everything the token page shows about one registration.
CREATE FUNCTION cv_registration_view(p_token text)
RETURNS TABLE (id bigint, state registration_state, waitlist_rank bigint,
               person_name text, email text, language person_lang, feed_token text,
               event_id bigint, event_title text, event_status item_status,
               start_text text, end_text text, tz text, venue text, city text,
               country text, org_name text)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.state,
           CASE WHEN r.state = 'waitlisted' THEN
               (SELECT count(*) FROM registrations w
                 WHERE w.event_id = r.event_id AND w.state = 'waitlisted'
                   AND w.waitlist_pos <= r.waitlist_pos) END,
           p.name, p.email, p.language, p.feed_token,
           e.id, e.title, e.status,
           CASE WHEN e.all_day THEN to_char(e.start_local, 'YYYY-MM-DD')
                ELSE to_char(e.start_local, 'YYYY-MM-DD HH24:MI') END,
           CASE WHEN e.all_day THEN to_char(e.end_local - interval '1 day', 'YYYY-MM-DD')
                ELSE to_char(e.end_local, 'YYYY-MM-DD HH24:MI') END,
           e.tz, e.venue, e.city, coalesce(e.country, ''), coalesce(o.name, '')
      FROM registrations r
      JOIN people p ON p.id = r.person_id
      JOIN events e ON e.id = r.event_id
      LEFT JOIN organisations o ON o.id = r.organisation_id
     WHERE r.token = p_token
$$;
