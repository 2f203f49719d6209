-- How each professional wants notifications by e-mail (domain::account::MailDigest codes):
-- 'immediate' (one mail per notification, the default), 'daily' (one summary a day, by
-- `aiguillage queue digest`) or 'none' (in the app only); and the newest notification id a daily
-- summary has already counted.
ALTER TABLE accounts ADD COLUMN mail_digest TEXT NOT NULL DEFAULT 'immediate';
ALTER TABLE accounts ADD COLUMN digest_sent_id BIGINT NOT NULL DEFAULT 0;
