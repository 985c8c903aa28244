-- 007_retention.sql - privacy by law (issue 12): what anonymisation needs
-- in the schema.  The rules that use these columns (retention per project,
-- a person's export and erasure) are in sql/functions/privacy.sql.
--
-- An anonymised person keeps a row, so that registrations keep counting
-- (participants, organisations and countries per event), but no email,
-- name, time zone or feed token; its registrations keep no token.

ALTER TABLE people ALTER COLUMN email DROP NOT NULL;
ALTER TABLE people ALTER COLUMN name DROP NOT NULL;
ALTER TABLE people ALTER COLUMN feed_token DROP NOT NULL;
-- when the row was anonymised; NULL: a living person
ALTER TABLE people ADD COLUMN anonymised_at timestamptz;
ALTER TABLE people ADD CONSTRAINT people_anonymised_empty
    CHECK (anonymised_at IS NULL
           OR (email IS NULL AND name IS NULL AND feed_token IS NULL AND tz IS NULL));
ALTER TABLE people ADD CONSTRAINT people_living_complete
    CHECK (anonymised_at IS NOT NULL
           OR (email IS NOT NULL AND name IS NOT NULL AND feed_token IS NOT NULL));

ALTER TABLE registrations ALTER COLUMN token DROP NOT NULL;

-- when the project's participants were last anonymised by retention
ALTER TABLE projects ADD COLUMN anonymised_at timestamptz;

-- What retention and erasure did: counts only, never an address or name,
-- so that the secretariat can show the supervisory authority that
-- requests were carried out.
CREATE TABLE privacy_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    action     text NOT NULL CHECK (action IN ('retention', 'erasure')),
    project_id bigint REFERENCES projects(id),
    counts     jsonb NOT NULL
);
