-- 015_project_language.sql - a project's default language: the public
-- pages of the project and its events use it when the reader's browser
-- asks for none of the six (issue 15).
ALTER TABLE projects ADD COLUMN language person_lang NOT NULL DEFAULT 'en';
