-- 017_seat_rows.sql - seats as rows (issue 18, item 3): an event with a
-- capacity has one row per seat, and a confirmation claims a free one with
-- FOR UPDATE SKIP LOCKED instead of counting under an exclusive lock on the
-- event, so that confirmations of one event commit in parallel.  The
-- per-organisation cap is decided under a lock on one row per event and
-- organisation (seat_orgs), not on the event.  The rules are in
-- sql/functions/seats.sql and registrations.sql.
--
-- The one-row counter event_seats (kept by a trigger on every confirmation,
-- so itself a lock every confirmation of an event queued on) goes: the
-- pages and the seat decision count confirmed registrations instead.

CREATE TABLE seats (
    id              bigserial PRIMARY KEY,
    event_id        bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    -- the confirmed registration holding the seat; NULL: free
    registration_id bigint UNIQUE REFERENCES registrations(id)
);
-- free seats of an event, lowest id first (the order they are handed out)
CREATE INDEX seats_free ON seats (event_id, id) WHERE registration_id IS NULL;
CREATE INDEX seats_event ON seats (event_id);

-- One row per event and organisation: the lock under which that
-- organisation's confirmed seats of the event are counted against
-- events.org_cap.  Created when first needed.  No foreign key to
-- organisations: creating the row must not wait for a merge holding the
-- organisation's row (organisations.sql takes these rows after it).
CREATE TABLE seat_orgs (
    event_id        bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    organisation_id bigint NOT NULL,
    PRIMARY KEY (event_id, organisation_id)
);

-- existing events: a taken seat for every confirmed registration, then
-- free seats up to the capacity (none when more are confirmed than it)
INSERT INTO seats (event_id, registration_id)
SELECT r.event_id, r.id
  FROM registrations r JOIN events e ON e.id = r.event_id
 WHERE r.state = 'confirmed' AND e.capacity IS NOT NULL
 ORDER BY r.event_id, r.id;
INSERT INTO seats (event_id)
SELECT e.id
  FROM events e
 CROSS JOIN LATERAL generate_series(1, e.capacity - (SELECT count(*) FROM registrations r
                                                     WHERE r.event_id = e.id
                                                       AND r.state = 'confirmed')) g
 WHERE e.capacity IS NOT NULL
 ORDER BY e.id, g;

DROP TABLE event_seats;
