-- 014_registration_given.sql - what a registration request says about its
-- person (issue 15): the role and the IANA zone given with it.  A request is
-- not yet the person's word (anyone can type an address), so an existing
-- person's record changes only when the registration is confirmed
-- (cv_confirm copies them and clears these); a new person is created with
-- them.  NULL: nothing given.
ALTER TABLE registrations ADD COLUMN given_role person_role,
                          ADD COLUMN given_tz text;
