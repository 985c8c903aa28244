-- inbound_receive.sql - store one received message for one recipient and
-- decide it, in one transaction (one round trip from the daemon).

-- Insert the message; a (message_id, rcpt) seen before is not stored or
-- decided again: duplicate is true and the earlier row's outcome returned.
-- Otherwise cv_inbound_decide runs in the same transaction and its outcome
-- is returned, so the MTA is answered only once the decision is committed.
CREATE OR REPLACE FUNCTION cv_inbound_receive(p_source text, p_mail_from text,
        p_rcpt text, p_message_id text, p_class text, p_facts jsonb,
        p_size int, p_raw bytea)
RETURNS TABLE (id bigint, duplicate boolean, decision text, reason text)
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO inbound_messages AS m (source, mail_from, rcpt, message_id,
                                       class, facts, size, raw)
    VALUES (p_source, p_mail_from, lower(p_rcpt), p_message_id, p_class,
            p_facts, p_size, p_raw)
    ON CONFLICT (message_id, rcpt) DO NOTHING
    RETURNING m.id INTO v_id;

    IF v_id IS NULL THEN
        RETURN QUERY
            SELECT m.id, true, m.decision, m.reason
              FROM inbound_messages m
             WHERE m.message_id = p_message_id AND m.rcpt = lower(p_rcpt);
        RETURN;
    END IF;

    PERFORM cv_inbound_decide(v_id);
    RETURN QUERY
        SELECT m.id, false, m.decision, m.reason
          FROM inbound_messages m WHERE m.id = v_id;
END
$$;
