-- 001_baseline.sql - convened's schema: the tables, types, indexes and seed
-- data of the first release (organisations, projects, events, deadlines,
-- people, registrations, followers, the outbox, and the tables that name
-- the kinds of things).  Times are timestamptz plus the IANA zone the item
-- was entered in.
--
-- Numbered files (sql/NNN_*.sql) hold schema changes only and are applied
-- once each, their checksum kept in schema_migrations; an applied file must
-- never change.  Functions, triggers and views live in sql/functions/ and are
-- re-applied whenever they change (see man convened(8), MIGRATIONS).

-- The kinds of things, one row per name: the one list the schema, the
-- daemon, convenectl and the docs agree with.  POSITION orders lists.
CREATE TABLE event_kinds (
    name     text PRIMARY KEY CHECK (name ~ '^[a-z][a-z_]{0,31}$'),
    position smallint NOT NULL UNIQUE
);
INSERT INTO event_kinds (name, position) VALUES
    ('meeting', 1), ('seminar', 2), ('workshop', 3), ('study_visit', 4), ('conference', 5);

CREATE TABLE deadline_kinds (
    name     text PRIMARY KEY CHECK (name ~ '^[a-z][a-z_]{0,31}$'),
    position smallint NOT NULL UNIQUE
);
INSERT INTO deadline_kinds (name, position) VALUES
    ('grant_submission', 1), ('report', 2), ('registration', 3), ('other', 4);

-- Notification kinds: one template per kind and language in
-- config/templates/<lang>/<kind>.txt.
CREATE TABLE notification_kinds (
    name     text PRIMARY KEY CHECK (name ~ '^[a-z][a-z_]{0,63}$'),
    position smallint NOT NULL UNIQUE
);
INSERT INTO notification_kinds (name, position) VALUES
    ('registration_confirm_request', 1), ('registration_confirmed', 2),
    ('registration_waitlisted', 3), ('registration_promoted', 4),
    ('registration_cancelled', 5), ('event_reminder', 6), ('event_updated', 7),
    ('event_cancelled', 8), ('deadline_reminder', 9);

CREATE TABLE organisations (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    country     char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    city        text NOT NULL DEFAULT '' CHECK (length(city) <= 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_name_country ON organisations (lower(name), country);

CREATE TABLE projects (
    id          bigserial PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    programme   text NOT NULL DEFAULT '' CHECK (length(programme) <= 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE item_status AS ENUM ('draft', 'published', 'cancelled');

CREATE TABLE events (
    id              bigserial PRIMARY KEY,
    project_id      bigint NOT NULL REFERENCES projects(id),
    kind            text NOT NULL REFERENCES event_kinds(name),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    venue           text NOT NULL DEFAULT '' CHECK (length(venue) <= 200),
    city            text NOT NULL DEFAULT '' CHECK (length(city) <= 200),
    country         char(2) CHECK (country ~ '^[A-Z]{2}$'),
    tz              text NOT NULL,
    all_day         boolean NOT NULL DEFAULT false,
    -- local wall-clock times in tz (for all-day events: midnight of the
    -- first day and midnight after the last day, i.e. DTEND exclusive)
    start_local     timestamp NOT NULL,
    end_local       timestamp NOT NULL,
    start_at        timestamptz NOT NULL,
    end_at          timestamptz NOT NULL,
    status          item_status NOT NULL DEFAULT 'draft',
    capacity        integer CHECK (capacity IS NULL OR capacity >= 0),
    org_cap         integer CHECK (org_cap IS NULL OR org_cap >= 1),
    reg_opens_at    timestamptz,
    reg_closes_at   timestamptz,
    -- reminder offsets (ISO 8601 durations); NULL: reminder_defaults for the kind
    reminders       text[],
    uid             text NOT NULL UNIQUE,
    sequence        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (end_at > start_at),
    CHECK (reg_closes_at IS NULL OR reg_opens_at IS NULL OR reg_closes_at > reg_opens_at)
);
CREATE INDEX events_project ON events (project_id, start_at);
CREATE INDEX events_start ON events (start_at);

CREATE TABLE deadlines (
    id          bigserial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects(id),
    kind        text NOT NULL REFERENCES deadline_kinds(name),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    url         text NOT NULL DEFAULT '' CHECK (length(url) <= 2000),
    tz          text NOT NULL,
    due_local   timestamp NOT NULL,
    due_at      timestamptz NOT NULL,
    status      item_status NOT NULL DEFAULT 'published',
    reminders   text[],
    uid         text NOT NULL UNIQUE,
    sequence    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deadlines_project ON deadlines (project_id, due_at);

CREATE TYPE person_role AS ENUM ('official', 'elected', 'other');
CREATE TYPE person_lang AS ENUM ('en', 'sv', 'it', 'pl', 'es', 'fi');

CREATE TABLE people (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    organisation_id bigint REFERENCES organisations(id),
    role            person_role NOT NULL DEFAULT 'other',
    language        person_lang NOT NULL DEFAULT 'en',
    tz              text,
    -- secret for the personal calendar feed (256-bit, hex), rotatable
    feed_token      text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX people_email ON people (lower(email));

CREATE TYPE registration_state AS ENUM ('pending', 'confirmed', 'waitlisted', 'cancelled');

CREATE TABLE registrations (
    id              bigserial PRIMARY KEY,
    event_id        bigint NOT NULL REFERENCES events(id),
    person_id       bigint NOT NULL REFERENCES people(id),
    organisation_id bigint REFERENCES organisations(id),
    state           registration_state NOT NULL DEFAULT 'pending',
    -- waiting-list order: set when waitlisted, smaller is earlier
    waitlist_pos    bigint,
    token           text NOT NULL UNIQUE,  -- 256-bit secret, hex
    created_at      timestamptz NOT NULL DEFAULT now(),
    confirmed_at    timestamptz,
    waitlisted_at   timestamptz,
    promoted_at     timestamptz,
    cancelled_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, person_id)
);
CREATE INDEX registrations_event_state ON registrations (event_id, state, waitlist_pos);
CREATE INDEX registrations_person ON registrations (person_id);
-- confirmed seats of an event, per organisation: counted under the event
-- lock on every confirmation (an index-only scan, not the event's rows)
CREATE INDEX registrations_confirmed ON registrations (event_id, organisation_id)
    WHERE state = 'confirmed';

-- Confirmed seats per event, kept by triggers on registrations
-- (functions/registrations.sql), so that the seat decision under the event
-- lock reads one row instead of counting every confirmed registration.
CREATE TABLE event_seats (
    event_id  bigint PRIMARY KEY REFERENCES events(id),
    confirmed integer NOT NULL DEFAULT 0 CHECK (confirmed >= 0)
);

CREATE TABLE deadline_followers (
    project_id  bigint NOT NULL REFERENCES projects(id),
    person_id   bigint NOT NULL REFERENCES people(id),
    token       text NOT NULL UNIQUE,  -- unsubscribe secret, hex
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, person_id)
);

CREATE TYPE outbox_state AS ENUM ('pending', 'sending', 'sent', 'failed', 'cancelled');

CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL REFERENCES notification_kinds(name),
    channel         text NOT NULL DEFAULT 'email',
    recipient       text NOT NULL,
    recipient_name  text,
    language        person_lang NOT NULL DEFAULT 'en',
    person_id       bigint REFERENCES people(id),
    event_id        bigint REFERENCES events(id),
    deadline_id     bigint REFERENCES deadlines(id),
    registration_id bigint REFERENCES registrations(id),
    -- for reminders: the offset that produced the row (ISO 8601 duration)
    reminder_offset text,
    due_at          timestamptz NOT NULL DEFAULT now(),
    state           outbox_state NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    claimed_by      text,
    lease_until     timestamptz,
    dedupe_key      text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- the scheduler's queue: pending rows by the instant they may go
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_sending ON outbox (lease_until) WHERE state = 'sending';
-- outbox rows of one person for one event (reminder scheduling for one
-- person, cancellation); also serves every lookup by event alone
CREATE INDEX outbox_event_person ON outbox (event_id, person_id) WHERE event_id IS NOT NULL;
CREATE INDEX outbox_deadline ON outbox (deadline_id) WHERE deadline_id IS NOT NULL;
CREATE INDEX outbox_state_idx ON outbox (state, id);

-- Default reminder offsets per event or deadline kind (ISO 8601 durations,
-- e.g. {P7D,P1D}; {} for none), for items whose own reminders are NULL.
-- The one source for the scheduler and the feeds' VALARMs: seeded from the
-- first daemon's [reminders] when empty, then changed through
-- PUT /api/reminder-defaults/{kind} (convenectl reminders set).
CREATE TABLE reminder_defaults (
    kind       text PRIMARY KEY,
    offsets    text[] NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Settings the daemon writes at start (one row).
CREATE TABLE outbox_settings (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    notify_window interval NOT NULL DEFAULT '5 minutes'
);
INSERT INTO outbox_settings DEFAULT VALUES;

-- IANA zone names known to this server, cached at migration time because
-- pg_timezone_names reads the whole zoneinfo tree (~50 ms).  Zones added by
-- a later tzdata update are still found through the slow path
-- (cv_zone_known).
CREATE TABLE cv_zones (name text PRIMARY KEY);
INSERT INTO cv_zones
    SELECT name FROM pg_timezone_names
    WHERE name !~ '^(posix|right)/' AND name NOT IN ('localtime', 'posixrules', 'Factory')
    ON CONFLICT DO NOTHING;
