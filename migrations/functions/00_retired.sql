-- midway functions 00: retired functions and views, dropped before the
-- other files are applied (docs/operations.md, "Migrations").
--
-- The files of migrations/functions/ hold the current definition of every
-- function and view, applied with CREATE OR REPLACE, which cannot change a
-- function's arguments or result type, nor remove or retype a view's
-- columns. To retire an object, or to change such a signature, add its old
-- signature here (DROP ... IF EXISTS, no CASCADE: a dependent object must
-- be dropped or redefined explicitly), and give the new definition in its
-- file. The lines stay: a database that never had the object skips them.

-- Called by nothing since 0005 (the consumer calls midway_apply_batch(boolean)).
DROP FUNCTION IF EXISTS midway_apply_batch();
-- 0002's entry point for pg_temp.affected_citizen, a wrapper of
-- midway_refresh_affected(true) since 0003; called by nothing.
DROP FUNCTION IF EXISTS midway_refresh_citizens();
