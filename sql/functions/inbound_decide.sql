-- inbound_decide.sql - what a received message means and what it changes.

-- Decide the inbound_messages row P_INBOUND_ID (called by cv_inbound_receive
-- in the transaction that stored it): set decision, reason and decided_at.
-- The first version records the message and applies nothing.
CREATE OR REPLACE FUNCTION cv_inbound_decide(p_inbound_id bigint)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inbound_messages
       SET decision = 'recorded', reason = 'no rule yet', decided_at = now()
     WHERE id = p_inbound_id;
END
$$;
