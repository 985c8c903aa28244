-- 016_programme.sql - the programme and the questions (issue 19): an
-- event's timetable (programme items in its zone, parallel items allowed),
-- registration questions asked by an event or by every event of a project,
-- their options (a choice question's option may be a group with a
-- capacity), and each registration's answers.  The rules are in
-- sql/functions/programme.sql and sql/functions/questions.sql.

-- The kinds of programme item, in the order lists show them; the C table
-- is kinds_programme in daemon/kinds.c.
CREATE TABLE programme_kinds (
    name     text PRIMARY KEY CHECK (name ~ '^[a-z][a-z_]{0,31}$'),
    position smallint NOT NULL UNIQUE
);
INSERT INTO programme_kinds (name, position) VALUES
    ('talk', 1), ('session', 2), ('break', 3), ('meal', 4), ('visit', 5);

-- One item of an event's timetable: local wall-clock times in the event's
-- zone (and the instants they name), inside the event.  Speakers are
-- [{"name": ..., "organisation": ...}].
CREATE TABLE programme_items (
    id          bigserial PRIMARY KEY,
    event_id    bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind        text NOT NULL REFERENCES programme_kinds(name),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    speakers    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(speakers) = 'array'),
    room        text NOT NULL DEFAULT '' CHECK (length(room) <= 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    start_local timestamp NOT NULL,
    end_local   timestamp NOT NULL,
    start_at    timestamptz NOT NULL,
    end_at      timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (end_at > start_at)
);
CREATE INDEX programme_items_event ON programme_items (event_id, start_at, id);

-- A registration question, of one event or of a project (then asked by
-- each of its events).  LABEL and HELP map a language to its text (en
-- required in LABEL).
CREATE TABLE questions (
    id          bigserial PRIMARY KEY,
    event_id    bigint REFERENCES events(id) ON DELETE CASCADE,
    project_id  bigint REFERENCES projects(id) ON DELETE CASCADE,
    key         text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    kind        text NOT NULL CHECK (kind IN ('short_text', 'long_text', 'choice', 'choices',
                                              'yes_no', 'number', 'date', 'consent')),
    label       jsonb NOT NULL CHECK (label ? 'en'),
    help        jsonb NOT NULL DEFAULT '{}',
    required    boolean NOT NULL DEFAULT false,
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((event_id IS NULL) <> (project_id IS NULL))
);
CREATE UNIQUE INDEX questions_event_key ON questions (event_id, key) WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX questions_project_key ON questions (project_id, key) WHERE project_id IS NOT NULL;

-- The options of a choice question.  CAPACITY makes the option a group of
-- at most that many registrations (not cancelled).
CREATE TABLE question_options (
    question_id bigint NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    value       text NOT NULL CHECK (value ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    label       jsonb NOT NULL CHECK (label ? 'en'),
    capacity    integer CHECK (capacity IS NULL OR capacity >= 1),
    position    smallint NOT NULL,
    PRIMARY KEY (question_id, value)
);

-- A registration's answer to a question: a JSON string, number, boolean
-- or (several choices) array of option values.
CREATE TABLE answers (
    registration_id bigint NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    question_id     bigint NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    value           jsonb NOT NULL,
    answered_at     timestamptz NOT NULL DEFAULT now(),
    answered_by     text NOT NULL DEFAULT 'participant',
    PRIMARY KEY (registration_id, question_id)
);
CREATE INDEX answers_question ON answers (question_id);
