-- seats.sql - seats as rows (issue 18, item 3; sql/017_seat_rows.sql).
--
-- An event with a capacity has max(capacity, confirmed) rows in seats;
-- every confirmed registration holds one (seats.registration_id), the rest
-- are free.  The rules, and the lock each one is decided under:
--
-- * Capacity: a confirmation claims the first free seat that no other
--   transaction is claiming (FOR UPDATE SKIP LOCKED); there are never more
--   seats to claim than the capacity, so it is never exceeded, and two
--   confirmations of one event never wait for each other.
-- * Per-organisation cap (events.org_cap): the organisation's confirmed
--   registrations of the event are counted under a lock on its seat_orgs
--   row, which every confirmation and promotion of that organisation takes
--   before it claims a seat.  Merged organisations count as one: a merge
--   moves the registrations to the organisation merged into
--   (organisations.sql), and new registrations resolve an alias on insert.
-- * The waiting list: a confirmation that finds no seat or no room for its
--   organisation decides to wait only under the event row lock (FOR NO KEY
--   UPDATE), which a cancellation also takes before it frees a seat and
--   promotes, so a freed seat is never left free while someone who could
--   take it waits; places are max + 1 under that lock, in order.  A seat a
--   cancellation frees is locked by it until it commits, so newcomers skip
--   it and the first eligible waiting person gets it (promotion, in order).
-- * Capacity, status and walk-ins change under FOR UPDATE on the event,
--   which waits for every confirmation in flight: a confirmation holds FOR
--   KEY SHARE on its event (no conflict with other confirmations).
--
-- Lock order: event (KEY SHARE; NO KEY UPDATE to wait, promote or
-- cancel), the registration, one seat_orgs row, seats.  A confirmation's
-- first try (cv_confirm) takes the registration, seat_orgs and seat locks
-- in a subtransaction: when it finds no seat or no room they are released,
-- and the event is locked before the registration again, so a
-- confirmation never holds a registration or an organisation row while it
-- waits for the event.

-- Make the seat rows of event P_EVENT match its capacity under FOR UPDATE
-- on the event: none without a capacity; otherwise one held by each
-- confirmed registration and free ones up to the capacity.  Lowering the
-- capacity below the confirmed seats keeps them (the extra rows go as
-- their holders cancel, cv_seats_track); the free seats go first,
-- newest first.
CREATE OR REPLACE FUNCTION cv_seats_sync(p_event bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_cap integer;
    v_rows bigint;
BEGIN
    SELECT capacity INTO v_cap FROM events WHERE id = p_event FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v_cap IS NULL THEN
        DELETE FROM seats WHERE event_id = p_event;
        RETURN;
    END IF;
    INSERT INTO seats (event_id, registration_id)
    SELECT p_event, r.id FROM registrations r
     WHERE r.event_id = p_event AND r.state = 'confirmed'
       AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.registration_id = r.id)
     ORDER BY r.id;
    SELECT count(*) INTO v_rows FROM seats WHERE event_id = p_event;
    IF v_rows < v_cap THEN
        INSERT INTO seats (event_id) SELECT p_event FROM generate_series(1, v_cap - v_rows);
    ELSIF v_rows > v_cap THEN
        DELETE FROM seats WHERE id IN (SELECT s.id FROM seats s
                                        WHERE s.event_id = p_event
                                          AND s.registration_id IS NULL
                                        ORDER BY s.id DESC LIMIT v_rows - v_cap);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION cv_seats_sync_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cv_seats_sync(NEW.id);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER events_seats_insert AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.capacity IS NOT NULL) EXECUTE FUNCTION cv_seats_sync_trigger();
CREATE OR REPLACE TRIGGER events_seats_update AFTER UPDATE OF capacity ON events
    FOR EACH ROW WHEN (OLD.capacity IS DISTINCT FROM NEW.capacity)
    EXECUTE FUNCTION cv_seats_sync_trigger();

-- Whether organisation P_ORG may take one more seat of event EV under its
-- cap: takes the lock on its seat_orgs row (creating it) and counts its
-- confirmed registrations of the event (an index-only scan of
-- registrations_confirmed).  Held until the transaction (or the
-- subtransaction that took it) ends.
CREATE OR REPLACE FUNCTION cv_seat_org_room(ev events, p_org bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM 1 FROM seat_orgs WHERE event_id = ev.id AND organisation_id = p_org FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO seat_orgs (event_id, organisation_id) VALUES (ev.id, p_org)
        ON CONFLICT DO NOTHING;
        PERFORM 1 FROM seat_orgs WHERE event_id = ev.id AND organisation_id = p_org FOR UPDATE;
    END IF;
    SELECT count(*) INTO n FROM registrations r
     WHERE r.event_id = ev.id AND r.organisation_id = p_org AND r.state = 'confirmed';
    RETURN n < ev.org_cap;
END
$$;

-- Try to give registration P_REG (of organisation P_ORG) a seat of event
-- EV: 'seat' (a free seat is now held by it: set its state to confirmed in
-- the same transaction), 'cap' (its organisation is at the cap) or 'full'
-- (no seat is free, or every free one is being claimed by another
-- transaction).  A failed try leaves no lock behind (a subtransaction).
CREATE OR REPLACE FUNCTION cv_seat_take(ev events, p_reg bigint, p_org bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_seat bigint;
BEGIN
    BEGIN
        IF ev.org_cap IS NOT NULL AND p_org IS NOT NULL
           AND NOT cv_seat_org_room(ev, p_org) THEN
            RAISE SQLSTATE 'CVST1';
        END IF;
        IF ev.capacity IS NOT NULL THEN
            SELECT s.id INTO v_seat FROM seats s
             WHERE s.event_id = ev.id AND s.registration_id IS NULL
             ORDER BY s.id LIMIT 1 FOR UPDATE SKIP LOCKED;
            IF NOT FOUND THEN
                RAISE SQLSTATE 'CVST2';
            END IF;
            UPDATE seats SET registration_id = p_reg WHERE id = v_seat;
        END IF;
    EXCEPTION
        WHEN SQLSTATE 'CVST1' THEN RETURN 'cap';
        WHEN SQLSTATE 'CVST2' THEN RETURN 'full';
    END;
    RETURN 'seat';
END
$$;

-- Keep the seat rows with the registrations whose state is set elsewhere:
-- a registration that becomes confirmed without a seat (a walk-in,
-- attendance.sql) takes a free one or, when none is free, one more row
-- (walk-ins may go over the capacity, as before); one that stops being
-- confirmed gives its seat back: freed (under the event row lock), or
-- removed while the event has more seat rows than its capacity.
CREATE OR REPLACE FUNCTION cv_seats_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_cap integer;
    v_seat bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.state = 'confirmed' THEN
        SELECT capacity INTO v_cap FROM events WHERE id = OLD.event_id FOR NO KEY UPDATE;
        IF v_cap IS NULL
           OR (SELECT count(*) FROM seats s WHERE s.event_id = OLD.event_id) > v_cap THEN
            DELETE FROM seats WHERE registration_id = OLD.id;
        ELSE
            UPDATE seats SET registration_id = NULL WHERE registration_id = OLD.id;
        END IF;
    END IF;
    IF NEW.state = 'confirmed'
       AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.registration_id = NEW.id) THEN
        SELECT capacity INTO v_cap FROM events WHERE id = NEW.event_id;
        IF v_cap IS NOT NULL THEN
            SELECT s.id INTO v_seat FROM seats s
             WHERE s.event_id = NEW.event_id AND s.registration_id IS NULL
             ORDER BY s.id LIMIT 1 FOR UPDATE SKIP LOCKED;
            IF FOUND THEN
                UPDATE seats SET registration_id = NEW.id WHERE id = v_seat;
            ELSE
                INSERT INTO seats (event_id, registration_id) VALUES (NEW.event_id, NEW.id);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER registrations_seats_insert AFTER INSERT ON registrations
    FOR EACH ROW WHEN (NEW.state = 'confirmed') EXECUTE FUNCTION cv_seats_track();

CREATE OR REPLACE TRIGGER registrations_seats_update AFTER UPDATE OF state, event_id ON registrations
    FOR EACH ROW WHEN ((OLD.state = 'confirmed' OR NEW.state = 'confirmed')
                       AND (OLD.state IS DISTINCT FROM NEW.state
                            OR OLD.event_id IS DISTINCT FROM NEW.event_id))
    EXECUTE FUNCTION cv_seats_track();
