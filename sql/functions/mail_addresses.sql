-- mail_addresses.sql - the bounced addresses as the secretariat sees them
-- (issue 13, item 5): the list with what each bounce said and whom it
-- concerns (GET /api/mail-addresses), letting an address receive mail
-- again (POST /api/mail-addresses/{address}/reset), and the counts behind
-- the convened_mail_addresses gauge.  How an address is marked is decided
-- in inbound_decide.sql (cv_mail_address_bounce, cv_outbox_dead_address).

-- One address as the API shows it: its state and counts, the last report
-- (status, diagnostic, when, the received message), the last reset, and
-- whom it concerns: the person with that address (name, organisation) and
-- how many of their registrations (not cancelled, for an event that is
-- neither cancelled nor over) and follows expect mail.  Times in UTC.
CREATE OR REPLACE FUNCTION cv_mail_address_json(a mail_addresses)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', a.id,
        'address', a.address,
        'state', a.state,
        'soft_count', a.soft_count,
        'hard_count', a.hard_count,
        'last_status', a.last_status,
        'last_diagnostic', a.last_diagnostic,
        'bounced_at', cv_iso_utc(a.bounced_at),
        'inbound_id', a.last_inbound_id,
        'inbound', CASE WHEN a.last_inbound_id IS NOT NULL
                        THEN format('/api/inbound/%s', a.last_inbound_id) END,
        'updated_at', cv_iso_utc(a.updated_at),
        'reset_at', cv_iso_utc(a.reset_at),
        'reset_by', a.reset_by,
        'reset_count', a.reset_count,
        'person', (SELECT jsonb_build_object('id', p.id, 'name', p.name,
                                             'organisation', o.name)
                     FROM people p LEFT JOIN organisations o ON o.id = p.organisation_id
                    WHERE lower(p.email) = a.address),
        'registrations', (SELECT count(*)
                            FROM people p
                            JOIN registrations r ON r.person_id = p.id
                            JOIN events e ON e.id = r.event_id
                           WHERE lower(p.email) = a.address AND r.state <> 'cancelled'
                             AND e.status <> 'cancelled' AND e.end_at > now()),
        'follows', (SELECT count(*)
                      FROM people p JOIN deadline_followers f ON f.person_id = p.id
                     WHERE lower(p.email) = a.address),
        'held', (SELECT count(*) FROM outbox o
                  WHERE lower(o.recipient) = a.address AND o.state = 'failed'
                    AND o.last_error LIKE 'address bounced hard%'))
$$;

-- GET /api/mail-addresses: up to p_limit addresses of a state (NULL: any),
-- newest first, with an id below p_before (NULL: any), as
-- {"addresses": [...], "count": n, "next_before": id or null}.
CREATE OR REPLACE FUNCTION cv_mail_address_list(p_state text, p_before bigint, p_limit int)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH page AS (
        SELECT a.id, cv_mail_address_json(a) AS j
          FROM mail_addresses a
         WHERE (p_state IS NULL OR a.state = p_state)
           AND (p_before IS NULL OR a.id < p_before)
         ORDER BY a.id DESC
         LIMIT p_limit + 1),
    shown AS (SELECT * FROM page ORDER BY id DESC LIMIT p_limit)
    SELECT json_build_object(
        'addresses', COALESCE((SELECT json_agg(j ORDER BY id DESC) FROM shown), '[]'),
        'count', (SELECT count(*) FROM shown),
        'next_before', CASE WHEN (SELECT count(*) FROM page) > p_limit
                            THEN (SELECT min(id) FROM shown) END)
$$;

-- The outbox rows a reset sends again: rows to ADDR that the bounce held
-- (failed with 'address bounced hard ...') and that are still true:
-- whatever is scheduled for later (reminders) and, for each registration
-- of the address that is not cancelled, for an event neither cancelled nor
-- over, the newest mail about its state when that was held: the
-- confirmation request while it is pending, the invitation or its latest
-- update while confirmed, the waiting-list notice while waitlisted.
CREATE OR REPLACE FUNCTION cv_mail_address_held_current(p_addr text)
RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    WITH held AS (
        SELECT o.id, o.due_at FROM outbox o
         WHERE lower(o.recipient) = p_addr AND o.state = 'failed'
           AND o.last_error LIKE 'address bounced hard%'),
    newest AS (
        SELECT DISTINCT ON (r.id) o.id
          FROM people p
          JOIN registrations r ON r.person_id = p.id
          JOIN events e ON e.id = r.event_id
          JOIN outbox o ON o.registration_id = r.id AND lower(o.recipient) = p_addr
         WHERE lower(p.email) = p_addr AND e.status <> 'cancelled' AND e.end_at > now()
           AND o.kind = ANY (CASE r.state
                 WHEN 'pending' THEN ARRAY['registration_confirm_request']
                 WHEN 'confirmed' THEN ARRAY['registration_confirmed',
                                             'registration_promoted', 'event_updated']
                 WHEN 'waitlisted' THEN ARRAY['registration_waitlisted']
                 ELSE ARRAY[]::text[] END)
         ORDER BY r.id, o.id DESC)
    SELECT h.id FROM held h
     WHERE h.due_at > now() OR h.id IN (SELECT id FROM newest)
$$;

-- POST /api/mail-addresses/{address}/reset: the secretariat corrected the
-- address or the person says it works again.  The address is 'ok' with
-- both counts 0, the reset is recorded (when, P_BY, how many), and the
-- held mail that is still true (cv_mail_address_held_current) is pending
-- again: as scheduled when it is for later, at once otherwise.  The rest
-- of what was held stays failed with its reason (out of date; the outbox
-- and "held" show it).  New mail goes out from now on.  Returns the
-- address as cv_mail_address_json shows it, with "requeued" (rows pending
-- again) and "was" (the state before); NULL when no bounce was ever
-- recorded for the address.
CREATE OR REPLACE FUNCTION cv_mail_address_reset(p_address text, p_by text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a mail_addresses%ROWTYPE;
    v_was text;
    v_n integer;
BEGIN
    SELECT state INTO v_was FROM mail_addresses WHERE address = lower(p_address) FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE mail_addresses
       SET state = 'ok', soft_count = 0, hard_count = 0, reset_at = now(),
           reset_by = coalesce(nullif(btrim(p_by), ''), 'admin API'),
           reset_count = reset_count + 1, updated_at = now()
     WHERE address = lower(p_address)
    RETURNING * INTO a;
    UPDATE outbox
       SET state = 'pending', next_attempt_at = greatest(due_at, now()), claimed_by = NULL,
           lease_until = NULL, updated_at = now(),
           last_error = last_error || format('; pending again after the reset on %s',
                                             cv_iso_utc(now()))
     WHERE id IN (SELECT cv_mail_address_held_current(a.address));
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN (cv_mail_address_json(a) || jsonb_build_object('requeued', v_n, 'was', v_was))::json;
END
$$;

-- The convened_mail_addresses gauge: how many addresses are 'soft' and
-- 'hard' (both always present, 0 when none).
CREATE OR REPLACE FUNCTION cv_mail_address_counts()
RETURNS TABLE (state text, n bigint)
LANGUAGE sql STABLE AS $$
    SELECT s.state, count(a.address)
      FROM unnest(ARRAY['soft', 'hard']) AS s(state)
      LEFT JOIN mail_addresses a ON a.state = s.state
     GROUP BY s.state
$$;
