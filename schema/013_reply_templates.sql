-- 013: reply templates (答复模板) that staff insert into the reply editor: global ones
-- (unit_id NULL) and a unit's own, which its subtree's staff see too (docs/admin.md).
CREATE TABLE reply_templates (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  unit_id    BIGINT UNSIGNED NULL COMMENT 'NULL: every unit',
  title      VARCHAR(100) NOT NULL,
  body       TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_reply_templates_title (unit_id, title),
  CONSTRAINT fk_reply_templates_unit FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
