-- 004: a revision number per piece of configuration that servers keep in memory. A change
-- through the API raises it in the same transaction; each server polls it and reloads what
-- changed, so every server of a cluster follows an admin's change within the poll interval.
CREATE TABLE config_revisions (
  name       VARCHAR(32) NOT NULL PRIMARY KEY,
  revision   BIGINT UNSIGNED NOT NULL DEFAULT 1,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 'units' and 'categories' are also the locks that serialise moves within those trees
INSERT INTO config_revisions (name, revision) VALUES ('calendar', 1), ('units', 1), ('categories', 1);
