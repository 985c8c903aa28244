-- inbound_decide.sql - what convened does with mail that comes back: one
-- decision per received message (cv_inbound_decide), taken and applied in
-- the caller's transaction and recorded with its reason; the state of
-- addresses that bounced, and the outbox rule that no mail goes to an
-- address that bounced hard.
--
-- The facts are what inbound_facts_json (daemon/inbound.c) writes: every
-- field of struct inparse_result under its own name, booleans as JSON
-- booleans, numbers as numbers (sequence, dtstamp in unix seconds, 0 when
-- absent), absent strings as null, attendees and rcpts as arrays of
-- objects (severity 'hard', 'soft' or 'success').  mail_from is '' for <>.
--
-- Matching never trusts From: alone.  The envelope recipient carries a
-- token (<local>+<reply_token>@<domain>, registrations.reply_token or
-- deadline_followers.reply_token); an iMIP REPLY must also carry the
-- event's UID and an ATTENDEE that is the registration's person; a bounce
-- is matched by the Message-ID convened gave the returned message
-- (<outbox-ID.hash@host>) or by the token.  Nothing automatic is ever
-- answered, and every answer or forward is rate-limited per sender.
--
-- Decisions (inbound_messages.decision): confirmed, waitlisted, cancelled,
-- accepted, declined, tentative, counter, delegation, recorded,
-- stale_sequence, stale_dtstamp, uid_mismatch, attendee_mismatch,
-- event_cancelled, not_applied, unmatched, forwarded, forward_limited,
-- register_requested, register_existing, register_refused, rate_limited,
-- auto_reply, loop, malformed, bounce_hard, bounce_soft, dsn_success,
-- bounce_unmatched.

-- A fresh 256-bit hex token for a registration made by mail (the daemon
-- makes the others with libsodium): SHA-256 over two gen_random_uuid()
-- values, i.e. 244 bits from the server's strong random source.
CREATE OR REPLACE FUNCTION cv_inbound_new_token() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT encode(sha256((gen_random_uuid()::text || gen_random_uuid()::text)::bytea), 'hex')
$$;

-- The reply tokens a registration's or a follow's token P_TOKEN gives:
-- the formulas of registrations.reply_token and
-- deadline_followers.reply_token (generated columns, 004_reply_tokens.sql),
-- so that received mail is found by a token that was since anonymised.
CREATE OR REPLACE FUNCTION cv_reply_tokens_of(p_token text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[left(encode(sha256(('convened-reply:r:' || p_token)::bytea), 'hex'), 32),
                 left(encode(sha256(('convened-reply:f:' || p_token)::bytea), 'hex'), 32)]
$$;

-- The calendar's last answer to registration R as the secretariat reads it
-- in the registration list: 'declined by calendar reply on 2026-12-03 13:20
-- UTC'; NULL when no calendar reply was applied or recorded for it.
CREATE OR REPLACE FUNCTION cv_registration_calendar_answer(r registrations)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE r.reply_partstat
             WHEN 'ACCEPTED' THEN 'accepted'
             WHEN 'DECLINED' THEN 'declined'
             WHEN 'TENTATIVE' THEN 'answered tentatively'
             ELSE 'answered ' || coalesce(nullif(lower(r.reply_partstat), ''), 'without PARTSTAT')
           END || ' by calendar reply on '
           || to_char(r.reply_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
     WHERE r.reply_at IS NOT NULL
$$;

-- Whether mail still goes to ADDRESS: 'ok', 'soft' (soft bounces below the
-- limit) or 'hard' (no more mail is sent to it).
CREATE OR REPLACE FUNCTION cv_mail_state(p_address text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT state FROM mail_addresses WHERE address = lower(p_address)), 'ok')
$$;

-- Fail PENDING outbox rows whose recipient bounced hard, on insert and
-- whenever a row becomes pending again (a retry or a resend).
CREATE OR REPLACE FUNCTION cv_outbox_dead_address() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    a mail_addresses%ROWTYPE;
BEGIN
    SELECT * INTO a FROM mail_addresses
     WHERE address = lower(NEW.recipient) AND state = 'hard';
    IF FOUND THEN
        NEW.state := 'failed';
        NEW.last_error := format('address bounced hard (%s%s); not sent',
                                 coalesce(a.last_status, 'no status'),
                                 CASE WHEN a.bounced_at IS NULL THEN ''
                                      ELSE ' on ' || to_char(a.bounced_at AT TIME ZONE 'UTC',
                                                            'YYYY-MM-DD HH24:MI "UTC"') END);
        NEW.lease_until := NULL;
        NEW.claimed_by := NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER outbox_dead_address_insert BEFORE INSERT ON outbox
    FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION cv_outbox_dead_address();

CREATE OR REPLACE TRIGGER outbox_dead_address_update BEFORE UPDATE OF state ON outbox
    FOR EACH ROW WHEN (NEW.state = 'pending' AND OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION cv_outbox_dead_address();

-- Remember the SEQUENCE of the last invitation sent for a registration: a
-- calendar REPLY to an older one does not override.
CREATE OR REPLACE FUNCTION cv_outbox_sent_sequence() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registrations r SET sent_sequence = e.sequence
      FROM events e
     WHERE r.id = NEW.registration_id AND e.id = r.event_id
       AND r.sent_sequence IS DISTINCT FROM e.sequence;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outbox_sent_sequence AFTER UPDATE OF state ON outbox
    FOR EACH ROW WHEN (NEW.state = 'sent' AND OLD.state <> 'sent'
                       AND NEW.registration_id IS NOT NULL
                       AND NEW.kind IN ('registration_confirmed', 'registration_promoted',
                                        'event_updated'))
    EXECUTE FUNCTION cv_outbox_sent_sequence();

-- Record a bounce of severity SEV ('hard', 'soft') for ADDR from message
-- P_MSG; a soft one turns hard at the configured limit.  A hard address
-- fails its pending outbox rows.  Returns the address's new state.
CREATE OR REPLACE FUNCTION cv_mail_address_bounce(p_addr text, p_sev text, p_status text,
                                                  p_diag text, p_msg bigint,
                                                  OUT state text, OUT soft_count integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_limit integer := (SELECT soft_bounce_limit FROM inbound_settings);
BEGIN
    INSERT INTO mail_addresses AS a (address, state, soft_count, hard_count, last_status,
                                     last_diagnostic, last_inbound_id, bounced_at)
    VALUES (lower(p_addr),
            CASE WHEN p_sev = 'hard' OR v_limit <= 1 THEN 'hard' ELSE 'soft' END,
            CASE WHEN p_sev = 'soft' THEN 1 ELSE 0 END,
            CASE WHEN p_sev = 'hard' THEN 1 ELSE 0 END,
            p_status, left(p_diag, 512), p_msg, now())
    ON CONFLICT (address) DO UPDATE
       SET soft_count = a.soft_count + CASE WHEN p_sev = 'soft' THEN 1 ELSE 0 END,
           hard_count = a.hard_count + CASE WHEN p_sev = 'hard' THEN 1 ELSE 0 END,
           state = CASE WHEN p_sev = 'hard' OR a.state = 'hard'
                             OR a.soft_count + 1 >= v_limit THEN 'hard'
                        ELSE 'soft' END,
           last_status = EXCLUDED.last_status, last_diagnostic = EXCLUDED.last_diagnostic,
           last_inbound_id = EXCLUDED.last_inbound_id, bounced_at = now(),
           updated_at = now()
    RETURNING a.state, a.soft_count INTO state, soft_count;
    IF state = 'hard' THEN
        UPDATE outbox
           SET state = 'failed', updated_at = now(),
               last_error = format('address bounced hard (%s); not sent',
                                   coalesce(p_status, 'no status'))
         WHERE lower(recipient) = lower(p_addr) AND outbox.state = 'pending';
    END IF;
END
$$;

-- A delivery report: find what convened wrote (the outbox row named by the
-- returned Message-ID, else the registration or follow of the token), the
-- recipient line about that address, and mark the address.
CREATE OR REPLACE FUNCTION cv_inbound_bounce(m inbound_messages, p_email text,
                                             OUT decision text, OUT reason text)
LANGUAGE plpgsql AS $$
DECLARE
    v_omid text := m.facts->>'orig_message_id';
    v_oid bigint;
    v_addr text;
    v_how text;
    v_rc jsonb;
    v_n integer := coalesce(jsonb_array_length(m.facts->'rcpts'), 0);
    v_sev text;
    b record;
BEGIN
    IF v_omid ~ '^<outbox-[0-9]{1,18}\.[0-9a-f]+@' THEN
        v_oid := substring(v_omid FROM '^<outbox-([0-9]+)\.')::bigint;
        SELECT lower(recipient) INTO v_addr FROM outbox
         WHERE id = v_oid AND state IN ('sent', 'sending', 'failed');
        v_how := 'Message-ID ' || v_omid;
    END IF;
    IF v_addr IS NULL AND p_email IS NOT NULL THEN
        v_addr := lower(p_email);
        v_how := 'the reply token';
    END IF;
    IF v_addr IS NULL THEN
        decision := 'bounce_unmatched';
        reason := 'no Message-ID or token of a mail convened sent'
                  || CASE WHEN v_omid IS NULL THEN '' ELSE ' (returned ' || v_omid || ')' END
                  || '; nothing marked';
        RETURN;
    END IF;
    SELECT x INTO v_rc FROM jsonb_array_elements(coalesce(m.facts->'rcpts', '[]')) x
     WHERE lower(x->>'address') = v_addr OR lower(x->>'original') = v_addr
     LIMIT 1;
    IF v_rc IS NULL AND v_n = 1 THEN
        v_rc := m.facts->'rcpts'->0;  -- forwarded or aliased on the way
    ELSIF v_rc IS NULL AND v_n > 1 THEN
        decision := 'bounce_unmatched';
        reason := format('the report (matched by %s) names %s recipients, none of them %s; '
                         'nothing marked', v_how, v_n, v_addr);
        RETURN;
    END IF;
    v_sev := coalesce(v_rc->>'severity',
                      CASE m.class WHEN 'dsn_failed' THEN 'hard'
                                   WHEN 'dsn_delayed' THEN 'soft' ELSE 'success' END);
    IF v_sev NOT IN ('hard', 'soft') THEN
        decision := 'dsn_success';
        reason := format('delivery report for %s (%s %s): not a failure, nothing marked',
                         v_addr, coalesce(nullif(v_rc->>'action', ''), 'no action'),
                         coalesce(nullif(v_rc->>'status', ''), 'no status'));
        RETURN;
    END IF;
    -- a policy rejection (5.7.x: the receiving system refused our mail, for
    -- SPF, content or a sender rule) says nothing about whether the address
    -- exists: it counts as soft, so only a repeated one stops the mail
    IF v_sev = 'hard' AND v_rc->>'status' ~ '^5\.7\.' THEN
        v_sev := 'soft';
        v_how := v_how || '; a policy rejection counts as soft';
    END IF;
    b := cv_mail_address_bounce(v_addr, v_sev, nullif(v_rc->>'status', ''),
                                v_rc->>'diagnostic', m.id);
    IF b.state = 'hard' THEN
        decision := 'bounce_hard';
        reason := format('%s failure for %s (%s, matched by %s)%s: no more mail to it',
                         v_sev, v_addr, coalesce(nullif(v_rc->>'status', ''), 'no status'),
                         v_how,
                         CASE WHEN v_sev = 'soft'
                              THEN format('; %s soft failures reached the limit', b.soft_count)
                              ELSE '' END);
    ELSE
        decision := 'bounce_soft';
        reason := format('soft failure %s of %s for %s (%s, matched by %s); mail continues',
                         b.soft_count, (SELECT soft_bounce_limit FROM inbound_settings),
                         v_addr, coalesce(nullif(v_rc->>'status', ''), 'no status'), v_how);
    END IF;
END
$$;

-- Forward message M to the secretariat (an inbound_forward outbox row about
-- registration P_REG), at most forward_limit per sender and hour.  Returns
-- the decision: P_DECISION with P_REASON when forwarded,
-- 'forward_limited' or P_DECISION with why it was not.
CREATE OR REPLACE FUNCTION cv_inbound_forward(m inbound_messages, p_reg bigint,
                                              p_decision text, p_reason text,
                                              OUT decision text, OUT reason text)
LANGUAGE plpgsql AS $$
DECLARE
    s inbound_settings%ROWTYPE;
    v_from text := lower(coalesce(m.facts->>'from', m.mail_from));
    v_n integer;
BEGIN
    SELECT * INTO s FROM inbound_settings;
    decision := p_decision;
    IF s.secretariat IS NULL THEN
        reason := p_reason || '; not forwarded: no [mail] secretariat address is configured';
        RETURN;
    END IF;
    IF v_from = lower(s.secretariat) THEN
        decision := 'loop';
        reason := 'sent by the secretariat address itself; not forwarded';
        RETURN;
    END IF;
    SELECT count(*) INTO v_n FROM outbox o JOIN inbound_messages i ON i.id = o.inbound_id
     WHERE o.kind = 'inbound_forward' AND lower(i.facts->>'from') = v_from
       AND o.created_at > now() - interval '1 hour';
    IF v_n >= s.forward_limit THEN
        decision := 'forward_limited';
        reason := p_reason || format('; not forwarded: %s forwards from %s in the last hour '
                                     '(limit %s)', v_n, v_from, s.forward_limit);
        RETURN;
    END IF;
    INSERT INTO outbox (kind, recipient, recipient_name, language, registration_id,
                        inbound_id, dedupe_key)
    VALUES ('inbound_forward', s.secretariat, 'Secretariat', 'en', p_reg, m.id,
            'inbound_forward:' || m.id)
    ON CONFLICT (dedupe_key) DO NOTHING;
    reason := p_reason || '; forwarded to ' || s.secretariat;
END
$$;

-- Registering by mail (register+<event id>@...): the same double opt-in
-- request the web form sends, to the From address (a forged From gets the
-- request, not a registration).
CREATE OR REPLACE FUNCTION cv_inbound_register(m inbound_messages, p_event text,
                                               OUT decision text, OUT reason text)
LANGUAGE plpgsql AS $$
DECLARE
    s inbound_settings%ROWTYPE;
    v_from text := lower(m.facts->>'from');
    v_n integer;
    r record;
BEGIN
    SELECT * INTO s FROM inbound_settings;
    IF v_from IS NULL OR v_from !~ '^[^@\s<>]+@[^@\s<>]+$' OR length(v_from) > 254 THEN
        decision := 'malformed';
        reason := 'a registration by mail needs a From address';
        RETURN;
    END IF;
    SELECT count(*) INTO v_n FROM inbound_messages i
     WHERE lower(i.facts->>'from') = v_from AND i.decision = 'register_requested'
       AND i.decided_at > now() - interval '1 hour';
    IF v_n >= s.answer_limit THEN
        decision := 'rate_limited';
        reason := format('%s registration requests answered for %s in the last hour (limit %s)',
                         v_n, v_from, s.answer_limit);
        RETURN;
    END IF;
    BEGIN
        SELECT * INTO r
          FROM cv_register(p_event::bigint, v_from,
                           coalesce(nullif(left(m.facts->>'from_name', 200), ''), v_from),
                           NULL, NULL, NULL, NULL, 'en',
                           cv_inbound_new_token(), cv_inbound_new_token());
    EXCEPTION WHEN SQLSTATE 'CV404' OR SQLSTATE 'CV409' OR numeric_value_out_of_range THEN
        decision := 'register_refused';
        reason := format('registration by mail for event %s refused: %s', p_event, SQLERRM);
        RETURN;
    END;
    IF r.created OR r.resent THEN
        decision := 'register_requested';
        reason := format('confirmation request sent to %s for event %s (registration %s)',
                         v_from, p_event, r.registration_id);
    ELSE
        decision := 'register_existing';
        reason := format('%s is already registered for event %s (%s); nothing sent',
                         v_from, p_event, r.reg_state);
    END IF;
END
$$;

-- An iMIP REPLY or COUNTER for registration REG: matched by UID and
-- ATTENDEE, then applied (ACCEPTED confirms a pending registration,
-- DECLINED cancels and moves the waiting list) or recorded.
CREATE OR REPLACE FUNCTION cv_inbound_imip(m inbound_messages, p_reg bigint,
                                           OUT decision text, OUT reason text)
LANGUAGE plpgsql AS $$
DECLARE
    r registrations%ROWTYPE;
    e events%ROWTYPE;
    v_email text;
    a jsonb;
    v_n integer := coalesce(jsonb_array_length(m.facts->'attendees'), 0);
    v_part text;
    v_seq integer := coalesce((m.facts->>'sequence')::integer, 0);
    v_stamp timestamptz;
    c record;
BEGIN
    SELECT * INTO r FROM registrations WHERE id = p_reg FOR UPDATE;
    SELECT * INTO e FROM events WHERE id = r.event_id;
    SELECT lower(email) INTO v_email FROM people WHERE id = r.person_id;
    IF coalesce((m.facts->>'dtstamp')::bigint, 0) > 0 THEN
        v_stamp := to_timestamp((m.facts->>'dtstamp')::bigint);
    END IF;

    IF m.facts->>'uid' IS DISTINCT FROM e.uid THEN
        decision := 'uid_mismatch';
        reason := format('calendar UID %s is not the UID of event %s of this token; not applied',
                         coalesce(m.facts->>'uid', '(none)'), e.id);
        RETURN;
    END IF;
    SELECT x INTO a FROM jsonb_array_elements(coalesce(m.facts->'attendees', '[]')) x
     WHERE lower(x->>'address') = v_email LIMIT 1;
    IF a IS NULL THEN
        decision := 'attendee_mismatch';
        reason := CASE WHEN v_n = 1
                       THEN format('the ATTENDEE %s is not %s, the registered address '
                                   '(an alias?); recorded, not applied',
                                   m.facts->'attendees'->0->>'address', v_email)
                       ELSE format('none of %s ATTENDEEs is %s; recorded, not applied',
                                   v_n, v_email) END;
        RETURN;
    END IF;
    v_part := upper(coalesce(a->>'partstat', ''));

    IF m.class = 'imip_counter' THEN
        decision := 'counter';
        reason := format('%s proposes %s - %s for %s; recorded for the secretariat, not applied',
                         v_email, coalesce(m.facts->>'dtstart', '?'),
                         coalesce(m.facts->>'dtend', '?'), e.title);
        RETURN;
    ELSIF m.class <> 'imip_reply' THEN
        decision := 'recorded';
        reason := format('calendar METHOD %s; recorded, not applied',
                         coalesce(m.facts->>'method', '(none)'));
        RETURN;
    END IF;
    IF e.status = 'cancelled' THEN
        decision := 'event_cancelled';
        reason := format('%s answered %s for cancelled event %s; recorded', v_email,
                         v_part, e.id);
        RETURN;
    END IF;
    IF v_part = 'DELEGATED' OR nullif(a->>'delegated_to', '') IS NOT NULL THEN
        decision := 'delegation';
        reason := format('%s delegates to %s; recorded for the secretariat, not applied',
                         v_email, coalesce(a->>'delegated_to', '(nobody named)'));
        RETURN;
    END IF;
    IF v_seq < coalesce(r.sent_sequence, 0) THEN
        decision := 'stale_sequence';
        reason := format('%s answers SEQUENCE %s but was last sent SEQUENCE %s; recorded, '
                         'not applied', v_part, v_seq, r.sent_sequence);
        RETURN;
    END IF;
    IF r.reply_at IS NOT NULL
       AND (v_seq < coalesce(r.reply_sequence, 0)
            OR (v_stamp IS NOT NULL AND r.reply_dtstamp IS NOT NULL
                AND v_stamp < r.reply_dtstamp)) THEN
        decision := 'stale_dtstamp';
        reason := format('%s (SEQUENCE %s, DTSTAMP %s) is older than the answer %s applied '
                         'on %s; recorded, not applied', v_part, v_seq,
                         coalesce(v_stamp::text, 'none'), r.reply_partstat, r.reply_at);
        RETURN;
    END IF;

    IF v_part = 'ACCEPTED' THEN
        IF r.state = 'pending' THEN
            BEGIN
                SELECT * INTO c FROM cv_confirm(r.token);
            EXCEPTION WHEN SQLSTATE 'CV409' THEN
                decision := 'not_applied';
                reason := 'ACCEPTED, but ' || SQLERRM;
                RETURN;
            END;
            decision := c.reg_state::text;  -- confirmed or waitlisted
            reason := format('ACCEPTED by calendar reply: registration %s %s', r.id,
                             c.reg_state);
        ELSIF r.state = 'cancelled' THEN
            decision := 'not_applied';
            reason := format('ACCEPTED for registration %s, which was cancelled; '
                             'register again to take part', r.id);
            RETURN;
        ELSE
            decision := 'accepted';
            reason := format('ACCEPTED; registration %s was already %s', r.id, r.state);
        END IF;
    ELSIF v_part = 'DECLINED' THEN
        IF r.state = 'cancelled' THEN
            decision := 'declined';
            reason := format('DECLINED; registration %s was already cancelled', r.id);
        ELSE
            SELECT * INTO c FROM cv_cancel_registration(r.token, NULL);
            decision := 'cancelled';
            reason := format('DECLINED by calendar reply: registration %s cancelled (was %s), '
                             '%s promoted from the waiting list', r.id, r.state, c.promoted);
        END IF;
    ELSIF v_part = 'TENTATIVE' THEN
        decision := 'tentative';
        reason := format('TENTATIVE from %s for registration %s (%s); recorded', v_email,
                         r.id, r.state);
    ELSE
        decision := 'recorded';
        reason := format('PARTSTAT %s from %s; recorded', coalesce(nullif(v_part, ''), '(none)'),
                         v_email);
    END IF;
    UPDATE registrations
       SET reply_partstat = v_part, reply_sequence = v_seq, reply_dtstamp = v_stamp,
           reply_at = now(), reply_inbound_id = m.id
     WHERE id = r.id;
END
$$;

-- Decide about received message P_ID, apply the decision and record it on
-- the row (decision, reason, decided_at), all in the caller's transaction.
-- A row already decided returns its decision again and changes nothing.
CREATE OR REPLACE FUNCTION cv_inbound_decide(p_id bigint)
RETURNS TABLE (decision text, reason text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    m inbound_messages%ROWTYPE;
    s inbound_settings%ROWTYPE;
    v_rcpt text;
    v_base text;
    v_tag text;
    v_from text;
    v_auto boolean;
    v_reg bigint;
    v_reg_state registration_state;
    v_email text;
    v_follow boolean := false;
    d text;
    w text;
    x record;
BEGIN
    SELECT * INTO m FROM inbound_messages WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'id',
            MESSAGE = format('no inbound message %s', p_id);
    END IF;
    IF m.decided_at IS NOT NULL THEN
        RETURN QUERY SELECT m.decision, m.reason;
        RETURN;
    END IF;
    SELECT * INTO s FROM inbound_settings;

    -- <base>[+<tag>]@<domain>, angle brackets and case ignored
    v_rcpt := lower(btrim(m.rcpt, '<> '));
    v_base := substring(v_rcpt FROM '^([^+@]*)');
    v_tag := substring(v_rcpt FROM '^[^+@]*\+([^@]*)@');
    v_from := lower(coalesce(m.facts->>'from', m.mail_from));
    v_auto := coalesce((m.facts->'is_automatic')::boolean, false)
              OR m.class IN ('auto_reply', 'dsn_failed', 'dsn_delayed', 'dsn_success');
    IF v_tag ~ '^[0-9a-f]{32}$' THEN
        SELECT r.id, r.state, lower(p.email) INTO v_reg, v_reg_state, v_email
          FROM registrations r JOIN people p ON p.id = r.person_id
         WHERE r.reply_token = v_tag;
        IF v_reg IS NULL THEN
            SELECT lower(p.email) INTO v_email
              FROM deadline_followers f JOIN people p ON p.id = f.person_id
             WHERE f.reply_token = v_tag;
            v_follow := FOUND;
        END IF;
    END IF;

    IF m.class IN ('dsn_failed', 'dsn_delayed', 'dsn_success') THEN
        x := cv_inbound_bounce(m, v_email);
        d := x.decision;
        w := x.reason;
    ELSIF regexp_replace(v_from, '\+[^@]*@', '@') = ANY (s.own_addresses) THEN
        d := 'loop';
        w := format('sent by convened''s own address %s; recorded, never answered', v_from);
    ELSIF m.class = 'malformed' THEN
        d := 'malformed';
        w := 'unreadable message: ' || coalesce(m.facts->>'reason', 'no reason given');
    ELSIF s.register_local IS NOT NULL AND v_base = s.register_local THEN
        IF v_auto THEN
            d := 'auto_reply';
            w := 'an automatic message to the registration address; never answered';
        ELSIF v_tag IS NULL OR v_tag !~ '^[0-9]{1,18}$' THEN
            d := 'register_refused';
            w := 'the registration address names no event (register+<event id>@...)';
        ELSE
            x := cv_inbound_register(m, v_tag);
            d := x.decision;
            w := x.reason;
        END IF;
    ELSIF m.class = 'auto_reply' THEN
        d := 'auto_reply';
        w := coalesce('automatic reply (' || (m.facts->>'auto_reason') || ')', 'automatic reply')
             || '; recorded, never answered';
    ELSIF m.class IN ('imip_reply', 'imip_counter', 'imip_other') THEN
        IF v_reg IS NULL THEN
            d := 'unmatched';
            w := CASE WHEN v_follow THEN 'a calendar reply to a deadline follow'
                      WHEN v_tag IS NULL THEN 'no token in the recipient address'
                      ELSE 'no registration has the token in the recipient address' END
                 || '; recorded, not applied';
        ELSE
            x := cv_inbound_imip(m, v_reg);
            d := x.decision;
            w := x.reason;
        END IF;
    ELSIF v_reg IS NOT NULL AND v_reg_state = 'pending' AND NOT v_auto THEN
        -- a reply to the confirmation request: proof of the address
        BEGIN
            SELECT * INTO x FROM cv_confirm((SELECT token FROM registrations WHERE id = v_reg));
            d := x.reg_state::text;
            w := format('a reply to the confirmation request: registration %s %s', v_reg,
                        x.reg_state);
        EXCEPTION WHEN SQLSTATE 'CV409' THEN
            x := cv_inbound_forward(m, v_reg, 'not_applied',
                                    'a reply to the confirmation request, but ' || SQLERRM);
            d := x.decision;
            w := x.reason;
        END;
    ELSIF v_reg IS NOT NULL OR v_follow THEN
        x := cv_inbound_forward(m, v_reg, 'forwarded',
                                format('a reply from %s about %s', v_from,
                                       CASE WHEN v_follow THEN 'a deadline follow'
                                            ELSE 'registration ' || v_reg END));
        d := x.decision;
        w := x.reason;
    ELSE
        x := cv_inbound_forward(m, NULL, 'unmatched',
                                CASE WHEN v_tag IS NULL THEN 'no token in the recipient address'
                                     ELSE 'no registration or follow has this token' END
                                || '; not applied');
        d := x.decision;
        w := x.reason;
    END IF;

    UPDATE inbound_messages SET decision = d, reason = w, decided_at = now() WHERE id = p_id;
    RETURN QUERY SELECT d, w;
END
$$;
