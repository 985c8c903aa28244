-- itip.sql - the SEQUENCE of the invitations (METHOD:REQUEST) and
-- cancellations (METHOD:CANCEL) mailed about an event: fixed on the outbox
-- row when the row is written, and never lower for a person than what that
-- person was sent before (registrations.itip_sequence).

-- The iTIP SEQUENCE of a notification of kind P_KIND to a registration in
-- state P_STATE whose person was last sent SEEN (NULL: nothing yet) about
-- an event at sequence EV_SEQ; NULL when the mail carries no calendar
-- object.  Invitations go to confirmed participants only; cancellations go
-- with every withdrawal and event cancellation (a client that never had
-- the UID ignores one).  Each message is above the last one the person was
-- sent, so a REQUEST after a withdrawal's CANCEL is not dropped as stale
-- (RFC 5546 2.1.5), and never below the event's own SEQUENCE; a withdrawal
-- is one above it, since it supersedes the invitation while the event
-- stays as it was.
CREATE OR REPLACE FUNCTION cv_itip_sequence(p_kind text, p_state registration_state,
                                            seen integer, ev_seq integer)
RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_kind IN ('registration_confirmed', 'registration_promoted', 'event_updated')
            THEN CASE WHEN p_state = 'confirmed' THEN greatest(ev_seq, seen + 1) END
        WHEN p_kind = 'registration_cancelled' THEN greatest(ev_seq + 1, seen + 1)
        WHEN p_kind = 'event_cancelled' THEN greatest(ev_seq, seen + 1)
    END
$$;
