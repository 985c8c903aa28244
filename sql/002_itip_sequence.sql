-- 002_itip_sequence.sql - the iTIP SEQUENCE each person has seen (issue 11):
-- a REQUEST after a withdrawal's CANCEL must carry a higher SEQUENCE than
-- that CANCEL, or calendar clients drop it (RFC 5546 2.1.5).  The rule that
-- fills these columns is cv_itip_sequence (sql/functions/itip.sql).

-- The highest SEQUENCE of an invitation or cancellation queued for this
-- registration's person about its event; NULL: none yet.
ALTER TABLE registrations ADD COLUMN itip_sequence integer;

-- The SEQUENCE this notification's calendar object carries, fixed when the
-- row is written; NULL: the mail has no calendar object.
ALTER TABLE outbox ADD COLUMN itip_sequence integer;

-- Rows written before this change: what they would have carried (the
-- event's sequence, one more for a withdrawal), and for every registration
-- that was sent an invitation or a cancellation a value no lower than any
-- it can have seen.
UPDATE outbox o
   SET itip_sequence = e.sequence + CASE WHEN o.kind = 'registration_cancelled' THEN 1 ELSE 0 END
  FROM events e
 WHERE e.id = o.event_id
   AND o.kind IN ('registration_confirmed', 'registration_promoted', 'event_updated',
                  'event_cancelled', 'registration_cancelled')
   AND o.state IN ('pending', 'sending', 'failed');

UPDATE registrations r
   SET itip_sequence = e.sequence + 1
  FROM events e
 WHERE e.id = r.event_id
   AND EXISTS (SELECT 1 FROM outbox o
                WHERE o.registration_id = r.id
                  AND o.kind IN ('registration_confirmed', 'registration_promoted',
                                 'event_updated', 'event_cancelled', 'registration_cancelled'));
