-- How far each professional has read their notifications: the newest notification id shown to them
-- on the notifications page. The header counts those after it as unread (a structure's notification
-- is read by each of its professionals on their own).
ALTER TABLE accounts ADD COLUMN notifications_seen_id BIGINT NOT NULL DEFAULT 0;
