-- 012_org_merge.sql - organisation quality (issue 14, item 6): the same
-- town hall typed two ways is merged by the secretariat.  The merged-away
-- row stays as an alias of the one it was merged into, so that a
-- registration, an import or a walk-in that names it (by id, or by name
-- and country) lands on the merged organisation.  The rules are in
-- sql/functions/organisations.sql.

ALTER TABLE organisations
    ADD COLUMN merged_into bigint REFERENCES organisations(id),
    ADD COLUMN merged_at   timestamptz,
    ADD CONSTRAINT organisations_merged_not_self CHECK (merged_into <> id),
    ADD CONSTRAINT organisations_merged_when
        CHECK ((merged_into IS NULL) = (merged_at IS NULL));

CREATE INDEX organisations_merged_into ON organisations (merged_into)
    WHERE merged_into IS NOT NULL;
CREATE INDEX people_organisation ON people (organisation_id)
    WHERE organisation_id IS NOT NULL;
CREATE INDEX registrations_organisation ON registrations (organisation_id)
    WHERE organisation_id IS NOT NULL;
