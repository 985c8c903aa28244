-- 009_attendance.sql - who actually came (issue 14, item 1): a mark per
-- registration and event day (the date in the event's zone; a multi-day
-- event is marked day by day), who made it and when; registrations added
-- at the door for people who walk in unregistered; how long after an
-- event marks may still be made.  The rules are in
-- sql/functions/attendance.sql.

-- How a registration came to be: 'registered' (form, JSON, admin: the
-- usual double opt-in) or 'walk_in' (added on the spot as attended,
-- confirmed at once, no mail).
ALTER TABLE registrations
    ADD COLUMN origin text NOT NULL DEFAULT 'registered'
        CHECK (origin IN ('registered', 'walk_in'));

CREATE TABLE attendance (
    registration_id bigint NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    day             date NOT NULL,  -- in the event's zone
    state           text NOT NULL CHECK (state IN ('attended', 'no_show')),
    marked_at       timestamptz NOT NULL DEFAULT now(),
    marked_by       text NOT NULL CHECK (length(marked_by) BETWEEN 1 AND 200),
    PRIMARY KEY (registration_id, day)
);

-- How long after an event's end marks may still be made without the
-- admin override (one row; change with UPDATE, see convened.conf(5)).
CREATE TABLE attendance_settings (
    id               boolean PRIMARY KEY DEFAULT true CHECK (id),
    mark_until_after interval NOT NULL DEFAULT '30 days'
                     CHECK (mark_until_after >= interval '0')
);
INSERT INTO attendance_settings DEFAULT VALUES;
