-- Staff roles: a staff account's roles as their names joined by commas in
-- declaration order (`admin`, `conference,finance`); NULL for an
-- organisation's user. Every existing staff account becomes `admin`, the
-- full role, so it keeps working as before.
ALTER TABLE users ADD COLUMN staff_roles TEXT;
UPDATE users SET staff_roles = 'admin' WHERE role = 'staff';
