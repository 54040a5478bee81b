-- Conference shapes: every deadline and the CAC election are optional (a
-- conference without a motions deadline takes no motions; one without a
-- `cac_vacancies` holds no CAC election), and registration may open on a
-- date (`registration_opens`, local to the conference).
ALTER TABLE conferences ADD COLUMN registration_opens DATE;
ALTER TABLE conferences ADD CONSTRAINT conferences_registration_opens
    CHECK (registration_opens IS NULL OR registration_opens <= starts_on);
ALTER TABLE conferences ALTER COLUMN registration_deadline DROP NOT NULL;
ALTER TABLE conferences ALTER COLUMN motions_deadline DROP NOT NULL;
ALTER TABLE conferences ALTER COLUMN amendments_deadline DROP NOT NULL;
ALTER TABLE conferences ALTER COLUMN policy_submissions_deadline DROP NOT NULL;
ALTER TABLE conferences ALTER COLUMN cac_nominations_deadline DROP NOT NULL;
ALTER TABLE conferences ALTER COLUMN award_nominations_deadline DROP NOT NULL;
ALTER TABLE conferences ALTER COLUMN cac_vacancies DROP NOT NULL;
