-- 019_question_evidence.sql - a question the funder asks (issue 19, item
-- 4): its answers are columns of the signature sheets (unless the sheets
-- name their own columns) and are counted in the evidence pack.  Only a
-- question whose answers are options (choice, choices, yes/no) may be
-- flagged: those answers stay when data retention anonymises people (text,
-- number and date answers are erased then, questions.sql), so the counts
-- the funder was given never change, and an option counted over an event
-- names no one.  The rule is in cv_question_write (questions.sql).
ALTER TABLE questions ADD COLUMN evidence boolean NOT NULL DEFAULT false;
ALTER TABLE questions ADD CONSTRAINT questions_evidence_kind
    CHECK (NOT evidence OR kind IN ('choice', 'choices', 'yes_no'));
